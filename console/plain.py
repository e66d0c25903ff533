"""`dapper-tui --plain script.py`: a line-mode console over the engine, with pdb's commands plus `reload`.

The program runs on its own thread (the engine's). Engine events go through one queue to a printer thread, so
the program's output and the stop locations come out in the order they happened; on a terminal they are printed
above the prompt (console/terminal.py). After a command that resumes the program the console waits for the next
stop (Ctrl-C pauses), as pdb does. Without a terminal (a pipe, a test) it reads plain lines.

The program stops at its first line by default (the CLI's `--stop-on-entry`, on unless `--no-stop-on-entry` is
given). With `--no-stop-on-entry` the console starts before the program: set breakpoints, then `c` runs it.

Breakpoints are the project's (console/breakpoints.py): the ones of the last session come back, and they follow
hot reloads. A save of a loaded source reloads it, as in the TUI (console/watching.py): at once while stopped,
at the next stop while the program runs. The commands that look at a stopped program are in
console/inspection.py.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable

from dapper_tui.engine.events import (
    BreakpointChanged,
    Event,
    Exited,
    InputRequested,
    LoadedSource,
    Output,
    Reloaded,
    Stopped,
)
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.main_thread import MainThreadRunner
from dapper_tui.engine.persist import ProjectState
from dapper_tui.engine.session import DebugSession
from dapper_tui.engine.sources import canonical, is_user_file, module_file
from dapper_tui.reload.record import ReloadRecord

from .breakpoints import ConsoleBreakpoints
from .inspection import InspectionCommands, Problem
from .terminal import ConsoleCompleter, Terminal
from .watching import SaveWatcher

HELP: dict[str, tuple[str, str]] = {
    "b": ("b [file|module:]line [, cond] | b func", "set a breakpoint (no argument: list them)"),
    "cl": ("cl [n | file:line]", "clear a breakpoint by number or place, or all of them"),
    "c": ("c", "continue (start the program if it has not started)"),
    "n": ("n", "next line, stepping over calls"),
    "s": ("s", "step into a call"),
    "r": ("r", "run until the current function returns"),
    "unt": ("unt line", "continue until a line of the current file"),
    "w": ("w | bt", "show the stack"),
    "u": ("u [n]", "move up the stack (to the caller)"),
    "d": ("d [n]", "move down the stack"),
    "p": ("p expr", "print an expression"),
    "pp": ("pp expr", "pretty-print an expression"),
    "l": ("l [first[, last]]", "list source around the current line (again: the next lines)"),
    "ll": ("ll", "list the whole current function"),
    "a": ("a", "show the arguments of the current function"),
    "!": ("!stmt", "run a Python statement in the current frame (any unknown command does too)"),
    "display": ("display [expr]", "show expr at every stop (no argument: list displays)"),
    "undisplay": ("undisplay [expr]", "remove a display (no argument: all)"),
    "threads": ("threads", "list the program's threads"),
    "reload": ("reload [file]", "hot-reload a file (default: the current one); saving it does too"),
    "restart": ("restart", "run the program again from the start"),
    "rf": ("rf", "restart frame: run the selected frame's function again from its first line (in new code)"),
    "pause": ("pause", "stop the running program (Ctrl-C does this too)"),
    "q": ("q", "quit (ends the program)"),
    "help": ("help [command]", "this list"),
}
ALIASES = {
    "break": "b",
    "clear": "cl",
    "cont": "c",
    "continue": "c",
    "next": "n",
    "step": "s",
    "return": "r",
    "until": "unt",
    "restart_frame": "rf",
    "where": "w",
    "bt": "w",
    "up": "u",
    "down": "d",
    "list": "l",
    "longlist": "ll",
    "args": "a",
    "quit": "q",
    "exit": "q",
    "h": "help",
    "run": "restart",
}
REPEATABLE = {"n", "s", "r", "c", "u", "d", "l"}  # an empty line runs these again


class PlainConsole(InspectionCommands):
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
        self.watcher = SaveWatcher([base], lambda record: self.events.put(_Record(record))) if watch else None
        self.frames = []
        self.cur = 0
        self.displays = []
        self.names = []  # completion: names in the current frame
        self.last_command = ""
        self.list_next = None
        self.quit = False
        self._settled = threading.Condition()
        self._waiting_for: str | None = None  # "stop" while the program runs
        self._input_prompt: str | None = None
        self._modules_before: set[str] = set(sys.modules)

    # -- engine events (on the printer thread) ------------------------------------------------------------
    def _printer(self) -> None:
        while True:
            event = self.events.get()
            if event is None:
                return
            try:
                self._show(event)
            except Exception as exc:  # the console must keep going
                self.out.say(f"*** {type(exc).__name__}: {exc}", "error")

    def _show(self, event: Event) -> None:
        say = self.out.say
        if isinstance(event, _Marker):
            event.done.set()
        elif isinstance(event, Output):
            self.out.program_output(event.text, event.category)
        elif isinstance(event, Stopped):
            self._on_stop(event)
            self._settle()
        elif isinstance(event, Exited):
            if event.error:
                say(f"*** {event.error}", "error")
            self.frames = []
            code = event.exit_code
            say(f"The program exited with code {code}. `restart` runs it again, `q` quits.", "info")
            self._settle()
        elif isinstance(event, InputRequested):
            self._input_prompt = event.prompt
            self._settle()
        elif isinstance(event, BreakpointChanged):
            bp = event.breakpoint
            listed = self.bps.follow(bp)
            where = f"{os.path.basename(bp.path or '')}:{bp.line}" if bp.path else bp.function
            if not listed or event.reason == "removed":
                say(f"breakpoint {bp.id} removed: {bp.message or where}", "error")
            elif not bp.verified:
                say(f"breakpoint {bp.id} unverified: {bp.message} ({where})", "error")
            else:
                say(f"breakpoint {bp.id} {event.reason}: {where}", "info")
        elif isinstance(event, Reloaded):
            result = event.result
            say(result.summary(), "info" if result.ok else "error")
            for w in result.warnings or []:
                say(f"warning: {w}", "error")
            if result.ok and self.session.state == "stopped" and self.frames:
                # the same frames, with what the reload changed (old code); the selected one stays selected
                self.frames = self.session.stack(self.frames[0].thread_id) or self.frames
                self.cur = min(self.cur, len(self.frames) - 1)
                self._refresh_names()
        elif isinstance(event, LoadedSource):
            if event.reason == "new" and self.watcher is not None:
                self.watcher.watch_folder_of(event.path)
        elif isinstance(event, _Record):
            self._show_record(event.record)

    def _show_record(self, record: ReloadRecord) -> None:
        """What the watcher did with a save. An applied or failed reload is shown by its Reloaded event."""
        if record.scope == "debugger" and record.outcome in ("applied", "failed"):
            return
        text = f"{os.path.basename(record.path)}: {record.message}"
        if record.hint:
            text += f"\n    {record.hint}"
        self.out.say(text, "error" if record.outcome == "failed" else "info")

    def _on_stop(self, event: Stopped) -> None:
        self.frames = self.session.stack(event.thread_id) or self.session.stack(
            event.thread_id, just_my_code=False
        )
        self.cur = 0
        self.list_next = None
        label = event.description or event.reason
        if event.reason == "exception":
            label = f"{'Uncaught' if event.post_mortem else 'Raised'} {event.text}"
        self.out.say(f"[{label}]", "error" if event.reason == "exception" else "info")
        self._print_location()
        self._refresh_names()
        for expr in self.displays:
            self.out.say(f"display {expr}: {self._value_text(expr)}")

    def _settle(self) -> None:
        with self._settled:
            self._waiting_for = None
            self._settled.notify_all()

    def _drain(self) -> None:
        """Until everything queued so far has been printed."""
        done = threading.Event()
        self.events.put(_Marker(done))
        done.wait(5)

    # -- running ------------------------------------------------------------------------------------------
    def run(self, stop_on_entry: bool = False) -> int:
        printer = threading.Thread(target=self._printer, name="dapper-tui console printer", daemon=True)
        command_of = ALIASES.get
        completer = ConsoleCompleter(
            [*HELP, *ALIASES], lambda w: command_of(w, w), self._file_names, lambda: self.names, HELP
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
        return self.session.exit_code if self.session.exit_code is not None else 0

    def _watch(self) -> None:
        if self.watcher is None:
            return
        try:
            self.watcher.attach(self.session)
        except Exception as exc:  # no watcher: `reload` still works
            self.out.say(f"reload on save is off: {exc}", "error")
            self.watcher = None

    def _launch(self, *, stop_on_entry: bool) -> None:
        if self.session.state != "idle":
            self._fresh_session()
        self._begin_wait()
        self._modules_before = set(sys.modules)
        self.session.launch(self.target, stop_on_entry=stop_on_entry)
        self._wait()

    def _fresh_session(self) -> None:
        """Restart with a new engine session (DebugSession.restart while stopped leaves stale state behind),
        the program's modules forgotten, the breakpoints set again and saves watched for the new session."""
        old = self.session
        old.close()
        self._drain()
        for name in set(sys.modules) - self._modules_before:
            file = getattr(sys.modules.get(name), "__file__", None)
            if isinstance(file, str) and is_user_file(file):
                sys.modules.pop(name, None)
        self.session = DebugSession(self.events.put, just_my_code=old.just_my_code, runner=old.runner)
        self.session.set_exception_breakpoints(set(old.exception_filters))
        self.bps.attach(self.session)
        self._watch()
        self.frames = []

    def _begin_wait(self) -> None:
        with self._settled:
            self._waiting_for = "stop"
            self._input_prompt = None

    def _wait(self) -> None:
        """Until the program stops or exits. Ctrl-C pauses it; a read of stdin is answered from here. At a stop,
        the saves made while it ran are reloaded before the prompt comes back."""
        while True:
            try:
                with self._settled:
                    while self._waiting_for is not None:
                        self._settled.wait(0.2)
                        if self.session.state in ("idle", "exited") and self.events.empty():
                            self._waiting_for = None
                prompt = self._input_prompt
                if prompt is None:
                    break
                self._input_prompt = None
                text = self.out.read_line("", program_input=True)
                self._begin_wait()
                self.session.send_input(text)
            except KeyboardInterrupt:
                self.out.say("\n(pausing)", "info")
                self.session.pause()
        if self.watcher is not None and self.session.state == "stopped":
            self.watcher.settle()
            self._drain()

    # -- commands -----------------------------------------------------------------------------------------
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
        name = ALIASES.get(word, word)
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
        word = self.last_command.split()[0]
        return ALIASES.get(word, word) in REPEATABLE

    # running
    def _resume(self, how: Callable[[], None], *, start_stop_on_entry: bool) -> None:
        if self.session.state in ("idle", "exited"):
            self._launch(stop_on_entry=start_stop_on_entry)
            return
        if self.session.state != "stopped":
            raise Problem(f"the program is {self.session.state}")
        self._begin_wait()
        how()
        self._wait()

    def cmd_c(self, arg: str) -> None:
        self._resume(self.session.continue_, start_stop_on_entry=False)

    def cmd_n(self, arg: str) -> None:
        self._resume(self.session.step_over, start_stop_on_entry=True)

    def cmd_s(self, arg: str) -> None:
        self._resume(self.session.step_in, start_stop_on_entry=True)

    def cmd_r(self, arg: str) -> None:
        self._resume(self.session.step_out, start_stop_on_entry=True)

    def cmd_unt(self, arg: str) -> None:
        f = self._need_stopped()
        if not arg.isdigit():
            raise Problem("unt LINE: a line number of the current file")
        self._begin_wait()
        self.session.run_to_line(f.path, int(arg))
        self._wait()

    def cmd_restart(self, arg: str) -> None:
        self._launch(stop_on_entry=True)

    def cmd_rf(self, arg: str) -> None:
        f = self._need_stopped()
        self._begin_wait()
        try:
            self.session.restart_frame(f.id)
        except ValueError as exc:
            with self._settled:
                self._waiting_for = None
            raise Problem(str(exc)) from None
        self._wait()

    def cmd_pause(self, arg: str) -> None:
        if self.session.state != "running":
            raise Problem(f"the program is {self._state_text()}")
        self._begin_wait()
        self.session.pause()
        self._wait()

    def cmd_q(self, arg: str) -> None:
        self.quit = True

    def cmd_help(self, arg: str) -> None:
        if arg:
            name = ALIASES.get(arg, arg)
            if name not in HELP:
                raise Problem(f"no command {arg!r}")
            usage, text = HELP[name]
            self.out.say(f"{usage}\n    {text}")
            return
        width = max(len(u) for u, _ in HELP.values())
        self.out.say("\n".join(f"  {usage.ljust(width)}  {text}" for usage, text in HELP.values()))

    # breakpoints
    def _resolve_file(self, name: str) -> str:
        candidates = [name]
        base = os.path.dirname(self.target.program) if self.target.program else os.getcwd()
        if not os.path.isabs(name):
            candidates = [os.path.join(base, name), os.path.join(os.getcwd(), name)]
            loaded = self.session.loaded_sources(include_library=True)
            candidates += [s.path for s in loaded if s.path.endswith(os.sep + name)]
            candidates.append(module_file(name) or "")  # a loaded module by name: rich.console
        for c in candidates:
            if os.path.isfile(c):
                return canonical(c)
        raise Problem(f"{name}: no such file, and no loaded module of that name")

    def cmd_b(self, arg: str) -> None:
        if not arg:
            self.out.say(self.bps.listing())
            return
        where, _, cond = arg.partition(",")
        where, cond = where.strip(), cond.strip() or None
        file, sep, line = where.rpartition(":")
        if not sep:
            file, line = "", where
        if not line.isdigit():
            if sep or not line.replace(".", "").replace("_", "").isalnum():
                raise Problem(f"b {arg}: use b [file:]line [, condition] or b function")
            bp = self.bps.add_function(line)
            note = "" if bp.verified else f" ({bp.message})"
            self.out.say(f"Breakpoint {bp.id} at function {line}{note}")
            return
        path = self._resolve_file(file) if file else self._current_file()
        bp = self.bps.add_line(path, int(line), cond)
        msg = f"Breakpoint {bp.id} at {path}:{bp.line}"
        if bp.message:
            msg += f" ({bp.message})"
        self.out.say(msg, "info" if bp.verified else "error")

    def cmd_cl(self, arg: str) -> None:
        if not arg:
            self.bps.clear_all()
            self.out.say("deleted all breakpoints")
            return
        bp = self.bps.find(arg, self._resolve_file)
        if bp is None:
            raise Problem(f"no breakpoint {arg}")
        self.bps.remove(bp)
        self.out.say(f"deleted breakpoint {bp.id}")

    # hot reload
    def cmd_reload(self, arg: str) -> None:
        path = self._resolve_file(arg) if arg else self._current_file()
        if self.session.state != "stopped":
            raise Problem(f"hot reload needs a stopped program; it is {self._state_text()}")
        self.session.reload(path, {})
        self._drain()  # the Reloaded event prints the outcome: the prompt comes after it


class _Marker(Event):
    """Put on the event queue to know when everything before it has been printed."""

    def __init__(self, done: threading.Event) -> None:
        object.__setattr__(self, "done", done)

    done: threading.Event


class _Record(Event):
    """A record of the reload coordinator (a save pending or skipped), printed in order with the events."""

    def __init__(self, record: ReloadRecord) -> None:
        object.__setattr__(self, "record", record)

    record: ReloadRecord


def run_plain(target: LaunchTarget, *, stop_on_entry: bool = False, just_my_code: bool = True) -> int:
    """The `--plain` console. Returns the program's exit code (0 when it did not finish).

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


__all__ = ["PlainConsole", "run_plain"]
