"""Running the full-screen debugger: the terminal, the program's descriptors, and the exit code."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from .app import DebuggerApp


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
    saved = sys.__stdin__, sys.__stdout__, sys.__stderr__
    # Textual reads keys from sys.__stdin__, draws on sys.__stderr__ and sizes the screen from sys.__stdout__.
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = (  # type: ignore[misc]
        capture.terminal_in,
        capture.terminal_out,
        capture.terminal_err,
    )
    try:
        yield
    finally:
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = saved  # type: ignore[misc]
        app.session.io.terminal = None
        capture.stop()


def run_app(
    target: Any, *, agent_dir: str | None = None, stop_on_entry: bool = False, just_my_code: bool = True
) -> int:
    """Run the full-screen debugger on `target`; returns the program's exit code (0 if it did not finish).

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
