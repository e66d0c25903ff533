"""Breakpoints and watch expressions, kept per project and restored on the next run.

The project is the nearest folder above the program with a pyproject.toml, setup.py or .git (else the
program's own folder). State lives outside the project, under $XDG_STATE_HOME/dapper-tui (or
~/.local/state/dapper-tui), one JSON file per project, written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .breakpoints import Breakpoint, BreakpointSpec

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
        self.breakpoints = {}
        self.function_breakpoints = []
        for bp in bps:
            if bp.temporary:
                continue
            if bp.function:
                self.function_breakpoints.append(bp.function)
            elif bp.path and bp.line:
                entry: dict[str, Any] = {"line": bp.line}
                for key in ("condition", "hit_condition", "log_message"):
                    if getattr(bp, key):
                        entry[key] = getattr(bp, key)
                self.breakpoints.setdefault(bp.path, []).append(entry)
        self.watches = list(watches)
        self.save()

    def save(self) -> None:
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
