"""Running the full-screen debugger: the terminal, the program's descriptors, and the exit code."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from .app import DebuggerApp
from .debugger_screen import DebuggerScreen
from .engine_events import Launched


@contextlib.contextmanager
def _program_descriptors_captured(app: DebuggerApp) -> Iterator[None]:
    """The program gets a terminal of its own on descriptors 1 and 2, which the Output pane shows, and
    /dev/null on 0; the app reads keys from and draws on duplicates of the terminal's descriptors. Only on a
    terminal."""
    if not (os.isatty(1) and os.isatty(2)):
        yield
        return
    from dapper_tui.engine.fdcapture import DescriptorCapture

    capture = DescriptorCapture(app.events.post)
    capture.start()
    app.session.io.terminal = capture
    saved = sys.__stdin__, sys.__stderr__
    # Textual reads keys from sys.__stdin__ and draws on sys.__stderr__; the driver sizes the screen from the
    # descriptor it draws on. sys.__stdout__ stays the program's (descriptor 1, the Output pane's terminal):
    # `shutil.get_terminal_size()` in the program reads it.
    sys.__stdin__ = capture.terminal_in  # type: ignore[misc, assignment]
    sys.__stderr__ = capture.terminal_err  # type: ignore[misc, assignment]
    try:
        yield
    finally:
        sys.__stdin__, sys.__stderr__ = saved  # type: ignore[misc]
        app.session.io.terminal = None
        capture.stop()


def run_app(
    target: Any,
    *,
    agent_dir: str | None = None,
    stop_on_entry: bool = False,
    just_my_code: bool = True,
    painted: list[Callable[[], None]] | None = None,
) -> int:
    """Run the full-screen debugger on `target`; returns the program's exit code if it ended by itself, 1 if
    quitting ended it, 0 if it never started (the rule in tui/screens/confirm.py). `painted`: called once the
    first screen is up, before the program starts.

    The program gets the main thread (signals, `threading.main_thread()`, asyncio's signal handlers work as
    without the debugger); the app runs on a thread beside it."""
    dump = os.environ.get(
        "DAPPER_TUI_TRACEBACKS"
    )  # debugging aid: `kill -USR1 PID` writes every thread's stack
    if dump:
        import faulthandler
        import signal

        faulthandler.register(signal.SIGUSR1, file=open(dump, "w"), all_threads=True)  # noqa: SIM115
    from dapper_tui.engine.main_thread import MainThreadRunner, exit_now

    from .driver import BesideProgramDriver
    from .terminal_guard import TerminalGuard

    runner = MainThreadRunner()
    app = DebuggerApp(
        target, stop_on_entry=stop_on_entry, just_my_code=just_my_code, agent_dir=agent_dir, runner=runner
    )
    app.driver_class = BesideProgramDriver
    app.painted += painted or []
    results: list[int | None] = []

    def run_ui() -> None:
        try:
            results.append(app.run())
        finally:
            runner.close()
            if not runner.idle.wait(3.0):  # the program ignores the end (blocked outside Python code)
                code = app.session.exit_code
                guard.release()
                exit_now(int(code if code is not None else 1))

    guard = TerminalGuard()  # puts the terminal back if this process is killed while the app draws
    with _program_descriptors_captured(app):
        ui = threading.Thread(target=run_ui, name="dapper-tui app")
        ui.start()
        try:
            runner.serve()
        except KeyboardInterrupt:  # `kill -INT` with no program running ends the app, as it would end python
            app.call_from_thread(app.exit)
        ui.join()
    guard.release()
    code = app.session.exit_code
    return int(code if code is not None else (results[0] if results and results[0] else 0))


# -- attached to a running program (dapper_tui.set_trace, post_mortem, pytest --dapper) ----------------------


class AttachedScreen(DebuggerScreen):
    """The debugger screen of an attached program: restart is not possible (python started the program), and
    under `pytest --dapper` T re-runs the failed test."""

    BINDINGS = [
        *DebuggerScreen.BINDINGS,
        Binding("T", "rerun_test", "Re-run test", key_display="T"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rerun_test":  # only under pytest --dapper (and only then in the footer)
            return bool(getattr(self.dapp, "tests", False))
        return super().check_action(action, parameters)

    def action_restart(self) -> None:
        self.dapp.notify(
            "restart is not available: the program was started by python, not by dapper-tui",
            severity="warning",
        )

    def action_rerun_test(self) -> None:
        rerun = getattr(self.session.program, "rerun", None)
        if rerun is None or self.session.state != "stopped":
            self.dapp.notify(
                "T re-runs a failed test, at its post-mortem stop under pytest --dapper", timeout=4
            )
            return
        rerun()


class AttachedApp(DebuggerApp):
    """The full-screen debugger for a program that python started: `launch` attaches instead of launching."""

    def __init__(self, target: Any, ready: threading.Event, *, tests: bool = False, **kwargs: Any) -> None:
        super().__init__(target, **kwargs)
        self.tests = tests  # pytest --dapper: T re-runs a failed test
        from dapper_tui.attach import AttachedProgram

        self.program = AttachedProgram(self.session)
        self.session.program = self.program
        self.ready = ready
        self.failed: BaseException | None = None

    def get_default_screen(self) -> Screen[Any]:
        self.main = AttachedScreen(self)
        return self.main

    def launch(self) -> None:
        from dapper_tui.engine.sources import is_user_file

        try:
            self.first_screen_up()
            self.restore_breakpoints()
            # The program's modules were imported before the app: only the libraries count as the app's own.
            self._preloaded = {
                name
                for name, module in list(sys.modules.items())
                if not is_user_file(str(getattr(module, "__file__", "") or ""))
            }
            self.program.attach(self.target)
            self.events.post(Launched())
            if self.auto_reload:
                self._start_watching()
        except BaseException as exc:
            self.failed = exc
            raise
        finally:
            self.ready.set()  # the program's thread stops now (or runs on without the debugger)


def attach_app(target: Any, ready_seconds: float, *, tests: bool = False) -> Any:
    """Open the full-screen debugger beside the calling (program's) thread, attached to this process; returns
    the AttachedProgram once the app is up. The app runs on a thread of its own (not a daemon: at the end of the
    program the interpreter waits for it, so it stays until quit)."""
    from dapper_tui.engine.main_thread import exit_now

    from .driver import BesideProgramDriver
    from .terminal_guard import TerminalGuard

    ready = threading.Event()
    app = AttachedApp(target, ready, tests=tests)
    app.driver_class = BesideProgramDriver
    guard = TerminalGuard()
    stack = contextlib.ExitStack()
    stack.enter_context(_program_descriptors_captured(app))

    def run_ui() -> None:
        try:
            app.run()
        finally:
            ready.set()
            app.program.front_end_gone = True
            try:
                app.session.close()  # ends the program if it still runs (quit), or does nothing (it ended)
            except Exception:
                pass
            stack.close()
            guard.release()
            run = app.program.thread
            if run is not None:
                run.join(3.0)
            if run is not None and run.is_alive() and app.session.state in ("running", "stopped"):
                exit_now(1)  # the program ignores the end (blocked outside Python code)

    ui = threading.Thread(target=run_ui, name="dapper-tui app")
    ui.start()
    if not ready.wait(ready_seconds) or app.failed is not None or not ui.is_alive():
        raise RuntimeError(f"the app did not start: {app.failed or 'timed out'}")
    return app.program
