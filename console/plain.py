"""`dapper-tui --plain script.py`: a line-mode console over the engine, with pdb's commands plus `reload`.

The program runs on its own thread (the engine's). Engine events go through one queue to a printer thread, so
the program's output and the stop locations come out in the order they happened; on a terminal they are printed
above the prompt (prompt_toolkit's `patch_stdout`). After a command that resumes the program the console waits
for the next stop (Ctrl-C pauses), as pdb does. Without a terminal (a pipe, a test) it reads plain lines.

The program stops at its first line by default (the CLI's `--stop-on-entry`, on unless `--no-stop-on-entry` is
given). With `--no-stop-on-entry` the console starts before the program: set breakpoints, then `c` runs it.

The console keeps its own list of the breakpoints it asked for (to set them again on `restart`); when a hot
reload moves or deletes breakpoints (`BreakpointChanged`), that list follows. The command history is kept in
$XDG_STATE_HOME/dapper-tui/plain_history (the folder engine/persist.py keeps project state in), so it outlives
the session.
"""

from __future__ import annotations

import dataclasses
import linecache
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from dapper_tui.engine.breakpoints import Breakpoint, BreakpointSpec
from dapper_tui.engine.evaluate import evaluate as evaluate_in_frame
from dapper_tui.engine.events import (
    BreakpointChanged,
    Event,
    Exited,
    InputRequested,
    Output,
    Reloaded,
    Stopped,
)
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.persist import state_dir
from dapper_tui.engine.session import DebugSession, FrameInfo
from dapper_tui.engine.sources import canonical, is_user_file
from prompt_toolkit.completion import Completer, Completion

HELP: dict[str, tuple[str, str]] = {
    "b": ("b [file:]line [, cond] | b func", "set a breakpoint (no argument: list them)"),
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
    "reload": ("reload [file]", "hot-reload a file (the current file by default) while stopped"),
    "restart": ("restart", "run the program again from the start"),
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
RESUMING = {"c", "n", "s", "r", "unt", "restart"}
PROMPT_STYLE = "ansicyan bold"
ANSI = {
    "location": "\x1b[1;32m",
    "current": "\x1b[33m",
    "error": "\x1b[31m",
    "info": "\x1b[34m",
    "stderr": "\x1b[31m",
}


class PlainConsole:
    def __init__(
        self, target: LaunchTarget, *, just_my_code: bool = True, interactive: bool | None = None
    ) -> None:
        self.target = target
        self.events: queue.Queue[Event | None] = queue.Queue()
        # The callback runs on debuggee threads, where a step can land in any "user" file. The engine does not
        # count console/ as its own code, so the callback is the queue's own method (stdlib: never shown).
        self.session = DebugSession(self.events.put, just_my_code=just_my_code)
        self.interactive = sys.stdin.isatty() and sys.stdout.isatty() if interactive is None else interactive
        self.frames: list[FrameInfo] = []
        self.cur = 0
        self.displays: list[str] = []
        self.line_bps: dict[str, list[BreakpointSpec]] = {}
        self._bp_specs: dict[int, tuple[str, BreakpointSpec]] = {}  # engine breakpoint id -> its spec here
        self._bp_lock = threading.RLock()  # line_bps changes on the printer thread too (BreakpointChanged)
        self.func_bps: list[str] = []
        self.names: list[str] = []  # completion: names in the current frame
        self.last_command = ""
        self.list_next: tuple[str, int] | None = None
        self.quit = False
        self._settled = threading.Condition()
        self._waiting_for: str | None = None  # "stop" while the program runs
        self._input_prompt: str | None = None
        self._out_lock = threading.Lock()
        self._at_line_start = True
        self._pt: Any = None  # the prompt_toolkit session, on a terminal
        self._pt_io: dict[str, Any] = {}
        self._modules_before: set[str] = set(sys.modules)

    # -- output -------------------------------------------------------------------------------------------
    def say(self, text: str, style: str = "", end: str = "\n") -> None:
        """Print one block. On a terminal everything goes through sys.stdout (prompt_toolkit's patch_stdout
        proxy, which keeps it above the prompt) in one write, so blocks never interleave with a redraw."""
        colour = ANSI.get(style, "") if self.interactive else ""
        if colour:
            text = "\n".join(f"{colour}{line}\x1b[0m" for line in text.split("\n"))
        with self._out_lock:
            lead = "" if self._at_line_start or not text else "\n"
            sys.stdout.write(lead + text + end)
            sys.stdout.flush()
            self._at_line_start = (text + end).endswith("\n") or not (text + end)

    def _program_output(self, text: str, category: str) -> None:
        if self.interactive and category == "stderr":
            text = "\n".join(f"{ANSI['stderr']}{part}\x1b[0m" if part else part for part in text.split("\n"))
        with self._out_lock:
            sys.stdout.write(text)
            sys.stdout.flush()
            self._at_line_start = text.endswith("\n")

    # -- engine events ------------------------------------------------------------------------------------
    def _printer(self) -> None:
        while True:
            event = self.events.get()
            if event is None:
                return
            try:
                self._show(event)
            except Exception as exc:  # the console must keep going
                self.say(f"*** {type(exc).__name__}: {exc}", "error")

    def _show(self, event: Event) -> None:
        if isinstance(event, _Marker):
            event.done.set()  # type: ignore[attr-defined]
        elif isinstance(event, Output):
            self._program_output(event.text, event.category)
        elif isinstance(event, Stopped):
            self._on_stop(event)
            self._settle()
        elif isinstance(event, Exited):
            if event.error:
                self.say(f"*** {event.error}", "error")
            self.frames = []
            self.say(
                f"The program exited with code {event.exit_code}. `restart` runs it again, `q` quits.",
                "info",
            )
            self._settle()
        elif isinstance(event, InputRequested):
            self._input_prompt = event.prompt
            self._settle()
        elif isinstance(event, BreakpointChanged):
            bp = event.breakpoint
            listed = self._follow_breakpoint(bp)
            where = f"{os.path.basename(bp.path or '')}:{bp.line}" if bp.path else bp.function
            if not listed or event.reason == "removed":
                self.say(f"breakpoint {bp.id} removed: {bp.message or where}", "error")
            elif not bp.verified:
                self.say(f"breakpoint {bp.id} unverified: {bp.message} ({where})", "error")
            else:
                self.say(f"breakpoint {bp.id} {event.reason}: {where}", "info")
        elif isinstance(event, Reloaded):
            result = event.result
            style = "info" if getattr(result, "ok", False) else "error"
            self.say(result.summary() if hasattr(result, "summary") else str(result), style)
            for w in getattr(result, "warnings", []) or []:
                self.say(f"warning: {w}", "error")

    def _follow_breakpoint(self, bp: Breakpoint) -> bool:
        """A reload moved a breakpoint, or removed its line: the spec it came from follows what the engine now
        lists for it (its new line, or nothing when it is no longer listed), so the next `b`, `cl` or
        `restart`, which send the file's whole list again, do not put it back on its old line. Returns whether
        the engine still lists it."""
        if not bp.path:
            return True
        listed = next((b for b in self.session.breakpoint_list() if b.id == bp.id), None)
        with self._bp_lock:
            found = self._bp_specs.get(bp.id)
            if found is None:
                return listed is not None
            path, spec = found
            specs = self.line_bps.get(path, [])
            i = next((k for k, s in enumerate(specs) if s is spec), None)
            if i is None:
                return listed is not None
            if listed is None or listed.line is None:
                del specs[i]
                del self._bp_specs[bp.id]
                return False
            moved = dataclasses.replace(spec, line=listed.requested_line or listed.line)
            specs[i] = moved
            self._bp_specs[bp.id] = (path, moved)
            return True

    def _set_line_bps(self, path: str) -> list[Breakpoint]:
        """Send the file's breakpoints to the engine and remember which engine breakpoint each one became."""
        with self._bp_lock:
            specs = list(self.line_bps.get(path, []))
            if not specs:
                self.line_bps.pop(path, None)
            result = self.session.set_breakpoints(path, specs)
            self._bp_specs = {i: ps for i, ps in self._bp_specs.items() if ps[0] != path}
            for spec, bp in zip(specs, result, strict=False):
                self._bp_specs[bp.id] = (path, spec)
            return result

    def _settle(self) -> None:
        with self._settled:
            self._waiting_for = None
            self._settled.notify_all()

    def _on_stop(self, event: Stopped) -> None:
        self.frames = self.session.stack(event.thread_id) or self.session.stack(
            event.thread_id, just_my_code=False
        )
        self.cur = 0
        self.list_next = None
        label = event.description or event.reason
        if event.reason == "exception":
            label = f"{'Uncaught' if event.post_mortem else 'Raised'} {event.text}"
        self.say(f"[{label}]", "error" if event.reason == "exception" else "info")
        self._print_location()
        self._refresh_names()
        for expr in self.displays:
            self.say(f"display {expr}: {self._value_text(expr)}")

    def _frame(self) -> FrameInfo | None:
        return self.frames[self.cur] if 0 <= self.cur < len(self.frames) else None

    def _print_location(self) -> None:
        f = self._frame()
        if f is None:
            return
        path = f.path
        self.say(f"> {path}:{f.line} in {f.name}()", "location")
        linecache.checkcache(path)
        text = linecache.getline(path, f.line).rstrip()
        if text:
            self.say(f"-> {text.strip()}", "current")

    def _refresh_names(self) -> None:
        names: set[str] = set()
        f = self._frame()
        if f is not None:
            try:
                for scope in self.session.scopes(f.id):
                    names.update(v.name for v in self.session.variables(scope.reference, 0, 500))
            except Exception:
                pass
        self.names = sorted(names)

    # -- running ------------------------------------------------------------------------------------------
    def run(self, stop_on_entry: bool = False) -> int:
        printer = threading.Thread(target=self._printer, name="dapper-tui console printer", daemon=True)
        if self.interactive:
            from prompt_toolkit.patch_stdout import patch_stdout

            self._prompt_session()  # before the engine swaps sys.stdin/sys.stdout

            with patch_stdout(raw=True):
                printer.start()
                try:
                    return self._main(stop_on_entry)
                finally:
                    self._shutdown(printer)
        printer.start()
        try:
            return self._main(stop_on_entry)
        finally:
            self._shutdown(printer)

    def _shutdown(self, printer: threading.Thread) -> None:
        try:
            self.session.close()
        finally:
            self.events.put(None)
            printer.join(2.0)

    def _main(self, stop_on_entry: bool) -> int:
        self.say(f"dapper-tui --plain: {self.target.title}. Type `help` for commands.", "info")
        if stop_on_entry:
            self._launch(stop_on_entry=True)
        else:
            self.say("The program has not started: set breakpoints (b LINE), then `c` runs it.", "info")
        while not self.quit:
            line = self._read_command()
            if line is None:
                break
            self.execute(line)
        return self.session.exit_code if self.session.exit_code is not None else 0

    def _launch(self, *, stop_on_entry: bool) -> None:
        if self.session.state != "idle":
            self._fresh_session()
        self._begin_wait()
        self._modules_before = set(sys.modules)
        self.session.launch(self.target, stop_on_entry=stop_on_entry)
        self._wait()

    def _fresh_session(self) -> None:
        """Restart with a new engine session (DebugSession.restart while stopped leaves stale state behind),
        the program's modules forgotten and the breakpoints set again."""
        old = self.session
        old.close()
        self._drain()
        for name in set(sys.modules) - self._modules_before:
            file = getattr(sys.modules.get(name), "__file__", None)
            if isinstance(file, str) and is_user_file(file):
                sys.modules.pop(name, None)
        self.session = DebugSession(self.events.put, just_my_code=old.just_my_code)
        self.session.set_exception_breakpoints(set(old.exception_filters))
        with self._bp_lock:
            for path in list(self.line_bps):
                self._set_line_bps(path)
        if self.func_bps:
            self.session.set_function_breakpoints([(n, None, None) for n in self.func_bps])
        self.frames = []

    def _begin_wait(self) -> None:
        with self._settled:
            self._waiting_for = "stop"
            self._input_prompt = None

    def _wait(self) -> None:
        """Until the program stops or exits. Ctrl-C pauses it; a read of stdin is answered from here."""
        while True:
            try:
                with self._settled:
                    while self._waiting_for is not None:
                        self._settled.wait(0.2)
                        if self.session.state in ("idle", "exited") and self.events.empty():
                            self._waiting_for = None
                prompt = self._input_prompt
                if prompt is None:
                    return
                self._input_prompt = None
                text = self._read_line("", program_input=True)
                self._begin_wait()
                self.session.send_input(text)
            except KeyboardInterrupt:
                self.say("\n(pausing)", "info")
                self.session.pause()

    # -- reading ------------------------------------------------------------------------------------------
    def _prompt_session(self) -> Any:
        if self._pt is None:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory, InMemoryHistory
            from prompt_toolkit.styles import Style

            history: Any = InMemoryHistory()
            try:
                folder = state_dir()
                folder.mkdir(parents=True, exist_ok=True)
                history = FileHistory(str(folder / "plain_history"))
            except OSError:
                pass
            # the engine replaces sys.stdin/sys.stdout with proxies for the program: talk to the terminal itself
            from prompt_toolkit.input import create_input
            from prompt_toolkit.output import create_output

            self._pt_io = {"input": create_input(sys.__stdin__), "output": create_output(sys.__stdout__)}
            self._pt = PromptSession(
                **self._pt_io,
                history=history,
                completer=ConsoleCompleter(self),
                complete_while_typing=False,
                style=Style.from_dict({"prompt": PROMPT_STYLE}),
            )
        return self._pt

    def _read_line(self, prompt: str, *, program_input: bool = False) -> str | None:
        if self.interactive:
            if program_input:
                from prompt_toolkit import PromptSession

                self._prompt_session()
                try:
                    return PromptSession(**self._pt_io).prompt("")
                except EOFError:
                    return None
            return self._prompt_session().prompt([("class:prompt", prompt)])
        with self._out_lock:
            sys.stdout.write(prompt)
            sys.stdout.flush()
            self._at_line_start = not prompt
        line = sys.stdin.readline()
        if not line:
            return None
        return line.rstrip("\n")

    def _read_command(self) -> str | None:
        state = self.session.state
        prompt = "(dapper) " if state == "stopped" else f"(dapper:{state}) "
        while True:
            try:
                return self._read_line(prompt)
            except KeyboardInterrupt:
                continue
            except EOFError:
                return None

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
        except _Problem as exc:
            self.say(f"*** {exc}", "error")
        except Exception as exc:
            self.say(f"*** {type(exc).__name__}: {exc}", "error")

    def _repeatable(self) -> bool:
        word = self.last_command.split()[0]
        return ALIASES.get(word, word) in ("n", "s", "r", "c", "u", "d", "l")

    def _need_stopped(self) -> FrameInfo:
        if self.session.state != "stopped":
            raise _Problem(f"the program is {self._state_text()}")
        f = self._frame()
        if f is None:
            raise _Problem("no frame to look at")
        return f

    def _state_text(self) -> str:
        return {"idle": "not started (`c` runs it)", "exited": "not running (`restart` runs it again)"}.get(
            self.session.state, self.session.state
        )

    def _resume(self, how: Callable[[], None], *, start_stop_on_entry: bool) -> None:
        if self.session.state in ("idle", "exited"):
            self._launch(stop_on_entry=start_stop_on_entry)
            return
        if self.session.state != "stopped":
            raise _Problem(f"the program is {self.session.state}")
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
            raise _Problem("unt LINE: a line number of the current file")
        self._begin_wait()
        self.session.run_to_line(f.path, int(arg))
        self._wait()

    def cmd_restart(self, arg: str) -> None:
        self._launch(stop_on_entry=True)

    def cmd_pause(self, arg: str) -> None:
        if self.session.state != "running":
            raise _Problem(f"the program is {self._state_text()}")
        self._begin_wait()
        self.session.pause()
        self._wait()

    def cmd_q(self, arg: str) -> None:
        self.quit = True

    def cmd_help(self, arg: str) -> None:
        if arg:
            name = ALIASES.get(arg, arg)
            if name not in HELP:
                raise _Problem(f"no command {arg!r}")
            usage, text = HELP[name]
            self.say(f"{usage}\n    {text}")
            return
        width = max(len(u) for u, _ in HELP.values())
        self.say("\n".join(f"  {usage.ljust(width)}  {text}" for usage, text in HELP.values()))

    # breakpoints
    def _resolve_file(self, name: str) -> str:
        candidates = [name]
        base = os.path.dirname(self.target.program) if self.target.program else os.getcwd()
        if not os.path.isabs(name):
            candidates = [os.path.join(base, name), os.path.join(os.getcwd(), name)]
            candidates += [s.path for s in self.session.loaded_sources() if s.path.endswith(os.sep + name)]
        for c in candidates:
            if os.path.isfile(c):
                return canonical(c)
        raise _Problem(f"{name}: no such file")

    def _current_file(self) -> str:
        f = self._frame()
        if f is not None:
            return f.path
        if self.target.program:
            return self.target.program
        raise _Problem("give a file: b file.py:LINE")

    def cmd_b(self, arg: str) -> None:
        if not arg:
            rows = []
            for bp in self.session.breakpoint_list():
                where = f"{bp.path}:{bp.line}" if bp.path else f"function {bp.function}"
                extra = f"  if {bp.condition}" if bp.condition else ""
                state = "" if bp.verified else f"  (unverified: {bp.message})"
                rows.append(f"{bp.id:>3}  {where}{extra}  hits {bp.hits}{state}")
            self.say("\n".join(rows) or "no breakpoints")
            return
        where, _, cond = arg.partition(",")
        where, cond = where.strip(), cond.strip() or None
        file, sep, line = where.rpartition(":")
        if not sep:
            file, line = "", where
        if not line.isdigit():
            if sep or not line.replace(".", "").replace("_", "").isalnum():
                raise _Problem(f"b {arg}: use b [file:]line [, condition] or b function")
            self.func_bps.append(line)
            bps = self.session.set_function_breakpoints([(n, None, None) for n in self.func_bps])
            bp = bps[-1]
            self.say(f"Breakpoint {bp.id} at function {line}" + ("" if bp.verified else f" ({bp.message})"))
            return
        path = self._resolve_file(file) if file else self._current_file()
        with self._bp_lock:
            specs = [s for s in self.line_bps.get(path, []) if s.line != int(line)]
            specs.append(BreakpointSpec(int(line), cond))
            self.line_bps[path] = specs
            result = self._set_line_bps(path)
        bp = result[-1]
        msg = f"Breakpoint {bp.id} at {path}:{bp.line}"
        if bp.message:
            msg += f" ({bp.message})"
        self.say(msg, "info" if bp.verified else "error")

    def cmd_cl(self, arg: str) -> None:
        if not arg:
            with self._bp_lock:
                paths = list(self.line_bps)
                self.line_bps.clear()
                for path in paths:
                    self._set_line_bps(path)
            self.func_bps.clear()
            self.session.set_function_breakpoints([])
            self.say("deleted all breakpoints")
            return
        for bp in self.session.breakpoint_list():
            hit = (
                arg == str(bp.id)
                or (bp.path and arg in (f"{bp.path}:{bp.line}", f"{bp.line}"))
                or (
                    bp.path
                    and ":" in arg
                    and canonical(self._resolve_file(arg.rsplit(":", 1)[0])) == bp.path
                    and arg.rsplit(":", 1)[1] == str(bp.line)
                )
            )
            if not hit:
                continue
            if bp.path:
                with self._bp_lock:
                    self.line_bps[bp.path] = [
                        s
                        for s in self.line_bps.get(bp.path, [])
                        if s.line not in (bp.line, bp.requested_line)
                    ]
                    self._set_line_bps(bp.path)
            else:
                self.func_bps = [f for f in self.func_bps if f != bp.function]
                self.session.set_function_breakpoints([(n, None, None) for n in self.func_bps])
            self.say(f"deleted breakpoint {bp.id}")
            return
        raise _Problem(f"no breakpoint {arg}")

    # stack
    def cmd_w(self, arg: str) -> None:
        self._need_stopped()
        lines = []
        for i, f in enumerate(self.frames):
            text = f"{'>' if i == self.cur else ' '} {f.path}:{f.line} in {f.name}()"
            lines.append(f"{ANSI['location']}{text}\x1b[0m" if i == self.cur and self.interactive else text)
        self.say("\n".join(lines))

    def _move(self, delta: int) -> None:
        self._need_stopped()
        new = self.cur + delta
        if not 0 <= new < len(self.frames):
            raise _Problem("oldest frame" if delta > 0 else "newest frame")
        self.cur = new
        self.list_next = None
        self._print_location()
        self._refresh_names()

    def cmd_u(self, arg: str) -> None:
        self._move(int(arg) if arg.isdigit() else 1)

    def cmd_d(self, arg: str) -> None:
        self._move(-(int(arg) if arg.isdigit() else 1))

    def cmd_threads(self, arg: str) -> None:
        current = self.session.stop_event.thread_id if self.session.stop_event else None
        rows = [
            f"{'*' if t.id == current else ' '} {t.id}  {t.name}  {'stopped' if t.stopped else 'running'}"
            for t in self.session.thread_list()
        ]
        self.say("\n".join(rows) or "no threads (the program is not running)")

    # values
    def _raw(self, expr: str) -> tuple[bool, Any]:
        """Evaluate in the selected frame, on the stopped thread, and return the value itself (for p/pp)."""
        f = self._need_stopped()
        frame = self.session.frame(f.id)
        # Engine gap: DebugSession.evaluate gives a truncated repr; the full value needs the stopped thread.
        return self.session._on_thread(f.thread_id, lambda: evaluate_in_frame(frame, expr))

    def _value_text(self, expr: str) -> str:
        try:
            is_expr, value = self._raw(expr)
        except _Problem:
            raise
        except Exception as exc:
            return f"*** {type(exc).__name__}: {exc}"
        return repr(value) if is_expr else ""

    def cmd_p(self, arg: str) -> None:
        if not arg:
            raise _Problem("p EXPRESSION")
        self.say(self._value_text(arg))

    def cmd_pp(self, arg: str) -> None:
        import pprint

        if not arg:
            raise _Problem("pp EXPRESSION")
        try:
            is_expr, value = self._raw(arg)
        except _Problem:
            raise
        except Exception as exc:
            self.say(f"*** {type(exc).__name__}: {exc}", "error")
            return
        if is_expr:
            self.say(pprint.pformat(value))

    def cmd_exec(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        try:
            is_expr, value = self._raw(text)
        except _Problem as exc:
            self.say(f"*** {exc}", "error")
            return
        except Exception as exc:
            self.say(f"*** {type(exc).__name__}: {exc}", "error")
            return
        if is_expr and value is not None:
            self.say(repr(value))
        self._refresh_names()

    def cmd_a(self, arg: str) -> None:
        f = self._need_stopped()
        code = self.session.frame(f.id).f_code
        n = code.co_argcount + code.co_kwonlyargcount
        n += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
        for name in code.co_varnames[:n]:
            self.say(f"{name} = {self._value_text(name)}")

    def cmd_display(self, arg: str) -> None:
        if not arg:
            for expr in self.displays:
                self.say(
                    f"display {expr}: {self._value_text(expr) if self.session.state == 'stopped' else ''}"
                )
            return
        if arg not in self.displays:
            self.displays.append(arg)
        if self.session.state == "stopped":
            self.say(f"display {arg}: {self._value_text(arg)}")

    def cmd_undisplay(self, arg: str) -> None:
        if arg:
            self.displays = [d for d in self.displays if d != arg]
        else:
            self.displays.clear()

    # source
    def _show_lines(self, path: str, first: int, last: int, current: int | None) -> None:
        linecache.checkcache(path)
        lines = linecache.getlines(path)
        bps = {b.line for b in self.session.breakpoint_list() if b.path == path}
        out = []
        for n in range(max(first, 1), min(last, len(lines)) + 1):
            mark = "->" if n == current else "B " if n in bps else "  "
            text = f"{n:4d} {mark} {lines[n - 1].rstrip()}"
            out.append(f"{ANSI['current']}{text}\x1b[0m" if n == current and self.interactive else text)
        if out:
            self.say("\n".join(out))
        self.list_next = (path, min(last, len(lines)) + 1)

    def cmd_l(self, arg: str) -> None:
        f = self._frame()
        path = f.path if f else self._current_file()
        current = f.line if f else None
        if arg:
            parts = [p.strip() for p in arg.split(",")]
            if not all(p.isdigit() for p in parts):
                raise _Problem("l [first[, last]]")
            first = int(parts[0])
            last = int(parts[1]) if len(parts) > 1 else first + 10
        elif self.list_next and self.list_next[0] == path and self.last_command.split()[0] in ("l", "list"):
            first = self.list_next[1]
            last = first + 10
        else:
            center = current or 1
            first, last = center - 5, center + 5
        self._show_lines(path, first, last, current)

    def cmd_ll(self, arg: str) -> None:
        f = self._need_stopped()
        import inspect

        code = self.session.frame(f.id).f_code
        linecache.checkcache(f.path)
        try:
            lines, start = inspect.getsourcelines(code)
        except (OSError, TypeError):
            raise _Problem("no source for this frame") from None
        start = max(start, 1)
        self._show_lines(f.path, start, start + len(lines) - 1, f.line)

    def cmd_reload(self, arg: str) -> None:
        path = self._resolve_file(arg) if arg else self._current_file()
        if self.session.state != "stopped":
            raise _Problem(f"hot reload needs a stopped program; it is {self._state_text()}")
        result = self.session.reload(path, {})
        # the Reloaded event prints the summary; wait for it so the prompt comes after it
        self._drain()
        if result.ok:
            self.frames = self.session.stack() or self.frames
            self._refresh_names()

    def _drain(self) -> None:
        done = threading.Event()
        self.events.put(_Marker(done))
        done.wait(5)


class _Marker(Event):
    """Put on the event queue to know when everything before it has been printed."""

    def __init__(self, done: threading.Event) -> None:
        object.__setattr__(self, "done", done)


class _Problem(Exception):
    pass


class ConsoleCompleter(Completer):
    """Commands first; then files for b/cl/reload, names of the current frame for the rest."""

    def __init__(self, console: PlainConsole) -> None:
        self.console = console

    def get_completions(self, document: Any, complete_event: Any) -> Iterable[Completion]:
        text = document.text_before_cursor
        if " " not in text and not text.startswith("!"):
            for name in sorted({*HELP, *ALIASES}):
                if name.startswith(text) and name != "!":
                    yield Completion(name, -len(text))
            return
        word = text.split()[-1] if text and not text.endswith(" ") else ""
        cmd = ALIASES.get(text.split()[0], text.split()[0]) if text.split() else ""
        if cmd in ("b", "cl", "reload"):
            pool = [os.path.basename(s.path) for s in self.console.session.loaded_sources()]
            if self.console.target.program:
                pool.append(os.path.basename(self.console.target.program))
        elif cmd == "help":
            pool = list(HELP)
        else:
            word = _last_identifier(text)
            pool = self.console.names
        for name in sorted(set(pool)):
            if name.startswith(word):
                yield Completion(name, -len(word))


def _last_identifier(text: str) -> str:
    i = len(text)
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
        i -= 1
    return text[i:]


def run_plain(target: LaunchTarget, *, stop_on_entry: bool = False, just_my_code: bool = True) -> int:
    """The `--plain` console. Returns the program's exit code (0 when it did not finish)."""
    console = PlainConsole(target, just_my_code=just_my_code)
    return console.run(stop_on_entry)


__all__ = ["PlainConsole", "run_plain"]
