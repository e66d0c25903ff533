"""pytest plugin (entry point `dapper_tui` in the `pytest11` group): `pytest --dapper` opens dapper-tui
post-mortem on each failure or error, on the frame it was raised in.

Continue goes on to the next test. `breakpoint()` in a test or in the code under test stops in dapper-tui too. At a failed test's stop (the call phase), T in the TUI (or `rerun` in the
line console) runs the test's function again, in this pytest process, with the fixtures it already has (they
are not set up again), under the debugger: fix the code, save (the hot reload applies it), press T. A re-run
that passes turns the test's report into a pass; one that fails stops post-mortem again. Errors in setup or
teardown stop too, without re-run.

While the debugger is open pytest's output capture is off (as with `-s`): the debugger owns the terminal, and
the tests' output is shown in its Output pane instead of in pytest's report sections. The full-screen debugger
stays open after the tests (until quit), so pytest's report lands in that pane; once the app has closed, pytest's
final summary line ("2 passed in 3.10s") is written to the terminal as well.

Without `--dapper` the plugin only adds the option: importing it loads nothing of the debugger.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import threading
import time
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dapper-tui")
    group.addoption(
        "--dapper",
        action="store_true",
        default=False,
        help="open the dapper-tui debugger post-mortem on failures and errors (T re-runs the failed test)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Any:
    """The debugger needs the tests in this process: `-n auto` (pytest-xdist) becomes `-n 0`, as xdist does for
    --pdb; an explicit `-n N` is refused (a worker has no terminal, and its stdin is xdist's channel)."""
    if config.getoption("dapper", False):
        workers = getattr(config.option, "numprocesses", None)
        if workers in ("auto", "logical"):
            config.option.numprocesses = 0
            config.option.dist = "no"
        elif workers:
            raise pytest.UsageError("--dapper runs the tests in this process: drop -n, or pass -n 0")
    return (yield)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("dapper", False) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(DapperInteraction(config), "dapper-tui-interaction")


class DapperInteraction:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.capture_off = False
        self.in_tui = (
            False  # the full-screen debugger took the terminal: pytest's report goes to its Output pane
        )
        self.started = time.monotonic()
        self._breakpoints_here(config)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started = time.monotonic()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """After the full-screen debugger, pytest's final summary line reaches the real terminal too: the app
        stays open after the tests (until quit), and what pytest wrote meanwhile went to its Output pane. The
        line is written at exit, once the app has closed and given the terminal back."""
        reporter = config.pluginmanager.getplugin("terminalreporter")
        if not self.in_tui or reporter is None:
            return
        try:
            parts, _colour = reporter.build_summary_stats_line()
        except Exception:  # another pytest's reporter
            return
        stats = ", ".join(text for text, _markup in parts)
        atexit.register(
            _tell_terminal, f"{stats} in {time.monotonic() - self.started:.2f}s (after dapper-tui)"
        )

    def _breakpoints_here(self, config: pytest.Config) -> None:
        """`breakpoint()` in a test or in the code under test stops in dapper-tui too (pytest would open pdb),
        with pytest's capture turned off first, as for a failure."""
        if os.environ.get("PYTHONBREAKPOINT", "") not in ("", "dapper_tui.set_trace"):
            return  # the user chose another debugger for breakpoint()
        before = sys.breakpointhook

        def hook(*args: Any, **kwargs: Any) -> None:
            from dapper_tui import set_trace

            self._capture_off()
            set_trace(frame=sys._getframe(1))

        sys.breakpointhook = hook

        def restore() -> None:
            if sys.breakpointhook is hook:
                sys.breakpointhook = before

        config.add_cleanup(restore)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        excinfo = call.excinfo
        if excinfo is None or not report.failed or excinfo.errisinstance(pytest.exit.Exception):
            return report
        from dapper_tui.engine.parking import Terminate

        if isinstance(excinfo.value, Terminate):  # the debugger was quit while a test ran
            pytest.exit("dapper-tui was quit", returncode=2)
        self._interact(item, call.when, report, excinfo.value)
        return report

    def _capture_off(self) -> None:
        """The debugger takes the terminal: pytest's capture goes to capturing nothing, for the rest of the run
        (suspending it is not enough: resuming puts pytest's files over the descriptors the debugger gave the
        program)."""
        if self.capture_off:
            return
        self.capture_off = True
        try:
            self._stop_capturing()
        finally:
            from dapper_tui.attach import choose_front_end

            self.in_tui = choose_front_end() == "tui"  # on the real descriptors, pytest's capture is off

    def _stop_capturing(self) -> None:
        capman = self.config.pluginmanager.getplugin("capturemanager")
        if capman is None:
            return
        from _pytest.capture import MultiCapture

        capman.stop_global_capturing()
        nothing: MultiCapture[str] = MultiCapture(in_=None, out=None, err=None)
        nothing.start_capturing()
        capman._global_capturing = nothing
        capman._method = "no"

    def _interact(self, item: pytest.Item, when: str, report: pytest.TestReport, exc: BaseException) -> None:
        from dapper_tui import attach
        from dapper_tui.engine.parking import Terminate

        self._capture_off()
        while True:
            asked = threading.Event()

            def rerun(asked: threading.Event = asked) -> None:
                program = attach.attached()
                asked.set()
                if program is not None and program.s.state == "stopped":
                    program.s.continue_()

            reporter = self.config.pluginmanager.getplugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"\n[dapper-tui] {item.nodeid} ({when}): {type(exc).__name__}: {exc}")
            try:
                attach.post_mortem(
                    exc,
                    exc.__traceback__,
                    sys._getframe(),
                    tests=True,
                    rerun=rerun if when == "call" else None,
                )
            except Terminate:
                pytest.exit("dapper-tui was quit", returncode=2)
            if not asked.is_set():
                return
            exc_or_none = _run_again(item)
            program = attach.attached()
            if exc_or_none is None:
                report.outcome = "passed"
                report.longrepr = None
                if program is not None:
                    attach.emit_note(program, f"[re-run of {item.nodeid}: passed]")
                return
            if isinstance(exc_or_none, Terminate):
                pytest.exit("dapper-tui was quit", returncode=2)
            exc = exc_or_none
            report.longrepr = item.repr_failure(pytest.ExceptionInfo.from_exception(exc))
            if program is not None:
                attach.emit_note(program, f"[re-run of {item.nodeid}: {type(exc).__name__}: {exc}]")


def _run_again(item: pytest.Item) -> BaseException | None:
    """The test's function once more, with the fixture values it has. The exception it raised, or None."""
    try:
        item.runtest()
    except BaseException as exc:
        return exc
    return None


def _tell_terminal(summary: str) -> None:
    """pytest's summary line, as pytest draws it (a `=` rule around it), on the process's own stdout."""
    width = max(len(summary) + 4, min(shutil.get_terminal_size().columns, 120))
    try:  # descriptor 1: sys.stdout may still be the app's print capture
        os.write(1, (f" {summary} ".center(width, "=") + "\n").encode())
    except OSError:  # stdout closed
        pass
