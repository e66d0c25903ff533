"""Running the full-screen debugger: the terminal, the program's descriptors, and the exit code."""

from __future__ import annotations

import contextlib
import os
import sys
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

    capture = DescriptorCapture(app._post_event)
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
    """Run the full-screen debugger on `target`; returns the program's exit code (0 if it did not finish)."""
    dump = os.environ.get(
        "DAPPER_TUI_TRACEBACKS"
    )  # debugging aid: `kill -USR1 PID` writes every thread's stack
    if dump:
        import faulthandler
        import signal

        faulthandler.register(signal.SIGUSR1, file=open(dump, "w"), all_threads=True)  # noqa: SIM115
    app = DebuggerApp(target, stop_on_entry=stop_on_entry, just_my_code=just_my_code, agent_dir=agent_dir)
    with _program_descriptors_captured(app):
        result = app.run()
    code = app.session.exit_code
    return int(code if code is not None else (result or 0))
