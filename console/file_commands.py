"""The `--plain` console's commands that name a place in a file: breakpoints (b, cl) and hot reload (reload).
A file is named by its path, by a name relative to the program's folder or the current one, by the tail of a
loaded source's path, or as a loaded module (`rich.console`). A mixin of `PlainConsole`; the breakpoints
themselves are kept by `ConsoleBreakpoints` (console/breakpoints.py)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.session import DebugSession
from dapper_tui.engine.sources import canonical, module_file

from .inspection import Problem

if TYPE_CHECKING:
    from .breakpoints import ConsoleBreakpoints
    from .terminal import Terminal


class FileCommands:
    # what the console provides
    session: DebugSession
    target: LaunchTarget
    out: Terminal
    bps: ConsoleBreakpoints

    if TYPE_CHECKING:  # the console's other parts

        def _current_file(self) -> str: ...
        def _state_text(self) -> str: ...
        def _drain(self) -> None: ...

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

    # -- breakpoints --------------------------------------------------------------------------------------
    def cmd_b(self, arg: str) -> None:
        if not arg:
            self.out.say(self.bps.listing())
            return
        place, _, cond = arg.partition(",")
        condition = cond.strip() or None
        file, sep, line = place.strip().rpartition(":")
        if not sep:
            file, line = "", place.strip()
        if not line.isdigit():
            if sep or not line.replace(".", "").replace("_", "").isalnum():
                raise Problem(f"b {arg}: use b [file:]line [, condition] or b function")
            self._break_at_function(line)
            return
        path = self._resolve_file(file) if file else self._current_file()
        bp = self.bps.add_line(path, int(line), condition)
        msg = f"Breakpoint {bp.id} at {path}:{bp.line}"
        if bp.message:
            msg += f" ({bp.message})"
        self.out.say(msg, "info" if bp.verified else "error")

    def _break_at_function(self, name: str) -> None:
        bp = self.bps.add_function(name)
        note = "" if bp.verified else f" ({bp.message})"
        self.out.say(f"Breakpoint {bp.id} at function {name}{note}")

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

    # -- hot reload ---------------------------------------------------------------------------------------
    def cmd_reload(self, arg: str) -> None:
        path = self._resolve_file(arg) if arg else self._current_file()
        if self.session.state != "stopped":
            raise Problem(f"hot reload needs a stopped program; it is {self._state_text()}")
        self.session.reload(path, {})
        self._drain()  # the Reloaded event prints the outcome: the prompt comes after it
