"""The `--plain` console's breakpoints: the ones the user asked for, on whichever engine session runs now.

The console keeps its own list (line breakpoints per file, as `BreakpointSpec`s, and function names) because
`restart` runs the program on a fresh engine session, which gets the whole list again (`attach`). The engine
takes a file's breakpoints as one list, so `b` and `cl` send the file's whole list each time.

When a hot reload moves or removes breakpoints (`BreakpointChanged`), `follow` makes the list follow, so the
next `b`, `cl` or `restart` does not put them back on their old lines.

The list is the project's (engine/persist.py): it starts with the breakpoints kept from the last session, the
console saves it after every `b` and `cl`, and the project state follows the engine session's reloads by itself.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable

from dapper_tui.engine.breakpoints import Breakpoint, BreakpointSpec
from dapper_tui.engine.persist import ProjectState
from dapper_tui.engine.session import DebugSession


class ConsoleBreakpoints:
    def __init__(self, state: ProjectState | None = None) -> None:
        self.state = state
        self.lines: dict[str, list[BreakpointSpec]] = state.specs() if state else {}
        self.functions: list[str] = list(state.function_breakpoints) if state else []
        self.restored = bool(self.lines or self.functions)
        self.session: DebugSession | None = None
        self._ids: dict[int, tuple[str, BreakpointSpec]] = {}  # engine breakpoint id -> its spec here
        self._lock = threading.RLock()  # `follow` runs on the console's printer thread

    def attach(self, session: DebugSession) -> None:
        """Set every breakpoint on `session` (the first one, or a fresh one for `restart`)."""
        with self._lock:
            self.session = session
            self._ids.clear()
            if self.state is not None:
                self.state.follow(session)
            for path in list(self.lines):
                self._send(path)
            if self.functions:
                session.set_function_breakpoints(list(self.functions))

    def _engine(self) -> DebugSession:
        if self.session is None:
            raise RuntimeError("no engine session")
        return self.session

    def describe(self) -> str:
        """The breakpoints in one short line: `prog.py:7, shapes.py:2, function main`."""
        places = [f"{os.path.basename(p)}:{s.line}" for p, specs in self.lines.items() for s in specs]
        places += [f"function {name}" for name in self.functions]
        if len(places) > 6:
            places[5:] = [f"and {len(places) - 5} more"]
        return ", ".join(places)

    # -- changes by the user ------------------------------------------------------------------------------
    def add_line(self, path: str, line: int, condition: str | None = None) -> Breakpoint:
        """A breakpoint at `path:line` (replacing one the user had asked for on that line)."""
        with self._lock:
            specs = [s for s in self.lines.get(path, []) if s.line != line]
            specs.append(BreakpointSpec(line, condition))
            self.lines[path] = specs
            result = self._send(path)
        self._save()
        return result[-1]

    def add_function(self, name: str) -> Breakpoint:
        with self._lock:
            if name not in self.functions:
                self.functions.append(name)
            result = self._engine().set_function_breakpoints(list(self.functions))
        self._save()
        return result[self.functions.index(name)]

    def clear_all(self) -> None:
        with self._lock:
            paths = list(self.lines)
            self.lines.clear()
            for path in paths:
                self._send(path)
            self.functions.clear()
            self._engine().set_function_breakpoints([])
        self._save()

    def find(self, arg: str, resolve: Callable[[str], str]) -> Breakpoint | None:
        """The engine breakpoint `arg` names: its number, `line` (of any file), or `file:line`."""
        for bp in self._engine().breakpoint_list():
            if arg == str(bp.id) or (bp.path and arg in (f"{bp.path}:{bp.line}", f"{bp.line}")):
                return bp
            if bp.path and ":" in arg:
                file, _, line = arg.rpartition(":")
                if line == str(bp.line) and resolve(file) == bp.path:
                    return bp
        return None

    def remove(self, bp: Breakpoint) -> None:
        with self._lock:
            if bp.path:
                self.lines[bp.path] = [
                    s for s in self.lines.get(bp.path, []) if s.line not in (bp.line, bp.requested_line)
                ]
                self._send(bp.path)
            else:
                self.functions = [f for f in self.functions if f != bp.function]
                self._engine().set_function_breakpoints(list(self.functions))
        self._save()

    def listing(self) -> str:
        rows = []
        for bp in self._engine().breakpoint_list():
            where = f"{bp.path}:{bp.line}" if bp.path else f"function {bp.function}"
            extra = f"  if {bp.condition}" if bp.condition else ""
            state = "" if bp.verified else f"  (unverified: {bp.message})"
            rows.append(f"{bp.id:>3}  {where}{extra}  hits {bp.hits}{state}")
        return "\n".join(rows) or "no breakpoints"

    def lines_of(self, path: str) -> set[int]:
        """The lines of `path` that hold a breakpoint now (for listings)."""
        return {b.line for b in self._engine().breakpoint_list() if b.path == path and b.line}

    # -- changes by a reload ------------------------------------------------------------------------------
    def follow(self, bp: Breakpoint) -> bool:
        """A reload moved a breakpoint, or removed its line: the spec it came from follows what the engine now
        lists for it (its new line, or nothing when it is no longer listed). Returns whether the engine still
        lists it."""
        if not bp.path:
            return True
        listed = next((b for b in self._engine().breakpoint_list() if b.id == bp.id), None)
        with self._lock:
            found = self._ids.get(bp.id)
            if found is None:
                return listed is not None
            path, spec = found
            specs = self.lines.get(path, [])
            i = next((k for k, s in enumerate(specs) if s is spec), None)
            if i is None:
                return listed is not None
            if listed is None or listed.line is None:
                del specs[i]
                del self._ids[bp.id]
                return False
            moved = dataclasses.replace(spec, line=listed.requested_line or listed.line)
            specs[i] = moved
            self._ids[bp.id] = (path, moved)
            return True

    # -- engine and project state -------------------------------------------------------------------------
    def _send(self, path: str) -> list[Breakpoint]:
        """Send the file's breakpoints to the engine and remember which engine breakpoint each one became."""
        with self._lock:
            specs = list(self.lines.get(path, []))
            if not specs:
                self.lines.pop(path, None)
            result = self._engine().set_breakpoints(path, specs)
            self._ids = {i: ps for i, ps in self._ids.items() if ps[0] != path}
            for spec, bp in zip(specs, result, strict=False):
                self._ids[bp.id] = (path, spec)
            return result

    def _save(self) -> None:
        if self.state is None or self.session is None:
            return
        try:
            self.state.remember_breakpoints(self.session.breakpoint_list())
        except OSError:
            pass  # a read-only state folder: the breakpoints work, they are just not kept
