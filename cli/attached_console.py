"""The line console attached to a running program (`set_trace()` without a terminal, or `DAPPER_TUI_PLAIN=1`).

The console runs on a thread of its own beside the program, as `--plain` does, and reads its commands from
stdin: a terminal, or a pipe. `q` ends the program. At the end of stdin the console lets go: the program runs on
without the debugger (no breakpoints, its output where it went before), so a pipe that ends never leaves the
program waiting for commands that cannot come.
"""

from __future__ import annotations

import threading

from dapper_tui.console.plain import PlainConsole, Problem
from dapper_tui.engine.launch import LaunchTarget

from .attach import AttachedProgram


class AttachedConsole(PlainConsole):
    ATTACHED = True  # the end of input detaches (below); `q` ends the program

    def __init__(self, target: LaunchTarget) -> None:
        super().__init__(target)
        self.program = AttachedProgram(self.session)
        self.session.program = self.program
        self.ready = threading.Event()
        self.failed: BaseException | None = None

    def _launch(self, *, stop_on_entry: bool) -> None:
        if self.ready.is_set():
            raise Problem("the program was started by python, not by dapper-tui: it cannot be restarted")
        self._begin_wait()
        try:
            self.program.attach(self.target)
        except BaseException as exc:
            self.failed = exc
            raise
        finally:
            self.ready.set()  # the program's thread stops now, and this waits for its stop
        self._wait()

    def execute(self, line: str) -> None:
        if line.strip() in ("rerun", "T"):  # pytest --dapper: run the failed test again
            rerun = self.program.rerun
            if rerun is None or self.session.state != "stopped":
                self.out.say("*** rerun: only at a failed test's stop under pytest --dapper", "error")
                return
            self._begin_wait()
            rerun()
            self._wait()
            return
        super().execute(line)

    def _shutdown(self, printer: threading.Thread) -> None:
        if not self.quit and self.session.state in ("running", "stopped"):
            self.out.say("end of input: the program runs on without the debugger", "info")
            try:
                if self.watcher is not None:
                    self.watcher.stop()
                self.program.detach()
            finally:
                self.events.put(None)
                printer.join(2.0)
            return
        self.program.front_end_gone = True
        super()._shutdown(printer)


def attach_console(target: LaunchTarget, ready_seconds: float) -> AttachedProgram:
    """Start the console beside the calling (program's) thread; returns once it waits for the first stop."""
    console = AttachedConsole(target)

    def run() -> None:
        try:
            console.run(stop_on_entry=True)
        finally:
            console.program.front_end_gone = True
            console.ready.set()

    thread = threading.Thread(target=run, name="dapper-tui console")  # not a daemon: it stays until quit
    thread.start()
    if not console.ready.wait(ready_seconds) or console.failed is not None or not thread.is_alive():
        raise RuntimeError(f"the line console did not start: {console.failed or 'timed out'}")
    return console.program
