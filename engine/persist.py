"""Breakpoints and watch expressions, kept per project and restored on the next run.

The project is the nearest folder above the program with a pyproject.toml, setup.py or .git (else the
program's own folder). State lives outside the project, under $XDG_STATE_HOME/dapper-tui (or
~/.local/state/dapper-tui), one JSON file per project, written atomically.

Front ends save what the user changes (`remember`, `remember_breakpoints`). What a hot reload changes is saved
here, once for every front end: `follow(session)` writes the session's breakpoints again whenever a reload moves
or removes some (the engine's `BreakpointChanged`), so the state file never holds a line the code has moved away
from, even if the debugger is killed before it could save on exit.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .breakpoints import Breakpoint, BreakpointSpec
from .events import BreakpointChanged, Event

if TYPE_CHECKING:
    from .session import DebugSession

_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def project_root(start: str | os.PathLike[str]) -> Path:
    p = Path(start).resolve()
    if p.is_file():
        p = p.parent
    for folder in (p, *p.parents):
        if any((folder / m).exists() for m in _MARKERS):
            return folder
    return p


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "dapper-tui"


@dataclass
class ProjectState:
    root: Path
    breakpoints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # path -> specs
    function_breakpoints: list[str] = field(default_factory=list)
    watches: list[str] = field(default_factory=list)
    # saves come from the front end's thread and from the thread of a reload (follow)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False, compare=False)

    @property
    def file(self) -> Path:
        digest = hashlib.sha1(str(self.root).encode()).hexdigest()[:16]
        return state_dir() / f"{self.root.name}-{digest}.json"

    @classmethod
    def load(cls, start: str | os.PathLike[str]) -> ProjectState:
        state = cls(project_root(start))
        try:
            data = json.loads(state.file.read_text())
        except (OSError, ValueError):
            return state
        if isinstance(data, dict):
            state.breakpoints = {str(k): list(v) for k, v in dict(data.get("breakpoints", {})).items()}
            state.function_breakpoints = [str(x) for x in data.get("function_breakpoints", [])]
            state.watches = [str(x) for x in data.get("watches", [])]
        return state

    def specs(self) -> dict[str, list[BreakpointSpec]]:
        out: dict[str, list[BreakpointSpec]] = {}
        for path, entries in self.breakpoints.items():
            specs = []
            for e in entries:
                try:
                    specs.append(
                        BreakpointSpec(
                            int(e["line"]), e.get("condition"), e.get("hit_condition"), e.get("log_message")
                        )
                    )
                except (KeyError, TypeError, ValueError):
                    continue
            if specs and os.path.exists(path):
                out[path] = specs
        return out

    def remember(self, bps: list[Breakpoint], watches: list[str]) -> None:
        """Save these breakpoints and watch expressions as the project's."""
        with self._lock:
            self.watches = list(watches)
            self.remember_breakpoints(bps)

    def remember_breakpoints(self, bps: list[Breakpoint]) -> None:
        """Save these breakpoints as the project's; the watch expressions stay as they are (a front end without
        watches must not drop the ones another front end keeps)."""
        lines: dict[str, list[dict[str, Any]]] = {}
        functions: list[str] = []
        for bp in bps:
            if bp.temporary:
                continue
            if bp.function:
                functions.append(bp.function)
            elif bp.path and bp.line:
                entry: dict[str, Any] = {"line": bp.line}
                for key in ("condition", "hit_condition", "log_message"):
                    if getattr(bp, key):
                        entry[key] = getattr(bp, key)
                lines.setdefault(bp.path, []).append(entry)
        with self._lock:
            self.breakpoints, self.function_breakpoints = lines, functions
            self.save()

    def follow(self, session: DebugSession) -> None:
        """Save the session's breakpoints whenever a hot reload moves or removes some. Call it once per session
        (a front end that replaces its session follows the new one)."""

        def on_event(event: Event) -> None:
            if isinstance(event, BreakpointChanged):
                try:
                    self.remember_breakpoints(session.breakpoint_list())
                except OSError:
                    pass  # a read-only state folder: the breakpoints still work, they are just not kept

        session.subscribe(on_event)

    def save(self) -> None:
        with self._lock:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            data = {
                "root": str(self.root),
                "breakpoints": self.breakpoints,
                "function_breakpoints": self.function_breakpoints,
                "watches": self.watches,
            }
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".state-")
            with os.fdopen(fd, "w") as f:
                json.dump(data, f, indent=1)
            os.replace(tmp, self.file)
