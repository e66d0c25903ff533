"""`dapper-tui --plain script.py`: a line-mode console over the engine, with pdb's commands plus `reload`.

The program runs on its own thread (the engine's). Engine events go through one queue to a printer thread, so
the program's output and the stop locations come out in the order they happened; on a terminal they are printed
above the prompt (console/terminal.py, console/display.py). After a command that resumes the program the console
waits for the next stop (Ctrl-C pauses), as pdb does (console/running.py). Without a terminal (a pipe, a test) it
reads plain lines.

The program stops at its first line by default (the CLI's `--stop-on-entry`, on unless `--no-stop-on-entry` is
given). With `--no-stop-on-entry` the console starts before the program: set breakpoints, then `c` runs it.

Breakpoints are the project's (console/breakpoints.py): the ones of the last session come back, and they follow
hot reloads. A save of a loaded source reloads it, as in the TUI (console/watching.py): at once while stopped,
at the next stop while the program runs. The commands that look at a stopped program are in
console/inspection.py, those that name a place in a file (b, cl, reload) in console/file_commands.py, and the
command table in console/commands.py. This module reads and dispatches the commands.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable

from dapper_tui.engine.events import Event
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.main_thread import MainThreadRunner
from dapper_tui.engine.persist import ProjectState
from dapper_tui.engine.session import DebugSession, FrameInfo

from .breakpoints import ConsoleBreakpoints
from .commands import ALIASES, HELP, REPEATABLE, command_name, help_text
from .display import EventDisplay, Record
from .file_commands import FileCommands
from .inspection import InspectionCommands, Problem
from .running import RunCommands
from .terminal import ConsoleCompleter, Terminal
from .watching import SaveWatcher


class PlainConsole(EventDisplay, RunCommands, FileCommands, InspectionCommands):
    # Attached to a program python started (cli/attached_console.py): the end of input lets it run on, and
    # python, not the console, decides the process's exit code.
    ATTACHED = False

    def __init__(
        self,
        target: LaunchTarget,
        *,
        just_my_code: bool = True,
        interactive: bool | None = None,
        persist: bool = True,
        watch: bool = True,
        runner: MainThreadRunner | None = None,
    ) -> None:
        self.target = target
        self.events: queue.Queue[Event | None] = queue.Queue()
        # The callback runs on debuggee threads: the queue's own method (stdlib, never shown or stepped into).
        self.session = DebugSession(self.events.put, just_my_code=just_my_code, runner=runner)
        interactive = sys.stdin.isatty() and sys.stdout.isatty() if interactive is None else interactive
        self.out = Terminal(interactive)
        state = ProjectState.load(target.program or os.getcwd()) if persist else None
        self.bps = ConsoleBreakpoints(state)
        self.bps.attach(self.session)
        base = os.path.dirname(target.program) if target.program else os.getcwd()
        self.watcher = SaveWatcher([base], lambda record: self.events.put(Record(record))) if watch else None
        self.frames: list[FrameInfo] = []
        self.cur = 0
        self.displays: list[str] = []
        self.names: list[str] = []  # completion: names in the current frame
        self.last_command = ""
        self.list_next: tuple[str, int] | None = None
        self.quit = False
        self.ending = False  # quitting ends the program: its exit is not offered a restart
        self._settled = threading.Condition()
        self._waiting_for: str | None = None  # "stop" while the program runs
        self._input_prompt: str | None = None
        self._modules_before: set[str] = set(sys.modules)

    # -- the console's life ---------------------------------------------------------------------------------
    def run(self, stop_on_entry: bool = False) -> int:
        printer = threading.Thread(target=self._printer, name="dapper-tui console printer", daemon=True)
        completer = ConsoleCompleter(
            [*HELP, *ALIASES], command_name, self._file_names, lambda: self.names, HELP
        )
        with self.out.session(completer):
            printer.start()
            try:
                return self._main(stop_on_entry)
            finally:
                self._shutdown(printer)

    def _file_names(self) -> list[str]:
        names = [os.path.basename(s.path) for s in self.session.loaded_sources()]
        if self.target.program:
            names.append(os.path.basename(self.target.program))
        return names

    def _shutdown(self, printer: threading.Thread) -> None:
        try:
            if self.watcher is not None:
                self.watcher.stop()
            self.session.close()
        finally:
            self.events.put(None)
            printer.join(2.0)

    def _main(self, stop_on_entry: bool) -> int:
        say = self.out.say
        say(f"dapper-tui --plain: {self.target.title}. Type `help` for commands.", "info")
        if self.bps.restored:
            say(f"breakpoints kept from the last session: {self.bps.describe()} (`b` lists them)", "info")
        self._watch()
        if stop_on_entry:
            self._launch(stop_on_entry=True)
        else:
            say("The program has not started: set breakpoints (b LINE), then `c` runs it.", "info")
        while not self.quit:
            state = self.session.state
            line = self.out.read_command("(dapper) " if state == "stopped" else f"(dapper:{state}) ")
            if line is None:
                break
            self.execute(line)
        return self._quit_code()

    def _quit_code(self) -> int:
        """dapper-tui's exit code: the program's own if it ended by itself; 1 if it still runs or is stopped
        (quitting ends it, and says so instead of offering a restart); 0 if it never started."""
        if self.session.state in ("running", "stopped") and (self.quit or not self.ATTACHED):
            self.ending = True
            code = "" if self.ATTACHED else "; dapper-tui exits with code 1"
            self.out.say(f"Quitting: {self._ending_text()}{code}.", "info")
            return 1
        return self.session.exit_code if self.session.exit_code is not None else 0

    def _ending_text(self) -> str:
        if self.session.state == "running":
            return "the program is still running and is ended"
        where = ""
        if self.frames:
            top = self.frames[0]
            where = f" at {os.path.basename(top.path)}:{top.line}"
        return f"the program is stopped{where} and is ended"

    def _watch(self) -> None:
        if self.watcher is None:
            return
        try:
            self.watcher.attach(self.session)
        except Exception as exc:  # no watcher: `reload` still works
            self.out.say(f"reload on save is off: {exc}", "error")
            self.watcher = None

    # -- commands -------------------------------------------------------------------------------------------
    def execute(self, line: str) -> None:
        line = line.strip()
        if not line:
            line = self.last_command if self.last_command.split()[:1] and self._repeatable() else ""
            if not line:
                return
        if line.startswith("!"):
            self.cmd_exec(line[1:])
            return
        word, _, rest = line.partition(" ")
        name = command_name(word)
        handler: Callable[[str], None] | None = getattr(self, f"cmd_{name}", None) if name in HELP else None
        if handler is None:
            self.cmd_exec(line)  # not a command: Python, as in pdb
            return
        self.last_command = line
        try:
            handler(rest.strip())
        except Problem as exc:
            self.out.say(f"*** {exc}", "error")
        except Exception as exc:
            self.out.say(f"*** {type(exc).__name__}: {exc}", "error")

    def _repeatable(self) -> bool:
        return command_name(self.last_command.split()[0]) in REPEATABLE

    def cmd_help(self, arg: str) -> None:
        text = help_text(arg)
        if text is None:
            raise Problem(f"no command {arg!r}")
        self.out.say(text)


def run_plain(target: LaunchTarget, *, stop_on_entry: bool = False, just_my_code: bool = True) -> int:
    """The `--plain` console. Returns the program's exit code if it ended by itself, 1 if quitting ended it,
    0 if it never started.

    The console reads commands on a thread of its own: the program gets the main thread (its signal handlers,
    `threading.main_thread()`), and Ctrl+C while it runs pauses it."""
    runner = MainThreadRunner()
    console = PlainConsole(target, just_my_code=just_my_code, runner=runner)
    codes: list[int] = []

    def run() -> None:
        try:
            codes.append(console.run(stop_on_entry))
        finally:
            runner.close()

    thread = threading.Thread(target=run, name="dapper-tui console")
    thread.start()
    while True:
        try:
            runner.serve()
            break
        except KeyboardInterrupt:  # Ctrl+C with no program running: the prompt has its own Ctrl+C
            continue
    thread.join()
    return codes[0] if codes else 1


__all__ = ["PlainConsole", "Problem", "run_plain"]
