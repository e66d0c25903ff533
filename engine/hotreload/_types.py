"""Options and result of one hot reload, as the DAP surface (``dapper/hotReload``) names them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from dapper_tui.reload.record import ReloadRecord

Mode = Literal["diff", "module"]
COUNTERS = ("reboundFrames", "updatedFrameCodes", "patchedInstances", "patchedFunctions", "patchedClasses")


@dataclass
class ReloadOptions:
    """The DAP request's options (names and defaults as documented in the README) plus ``mode``.

    - ``invalidatePycache``: delete the cached bytecode of exactly the reloaded file (every optimization level).
    - ``updateFrameCode``: a frame the debug session holds stopped at the start of a line, whose function the
      reload changed, continues in the new code at the matching statement when that is safe
      (``engine/framecode``); ``updatedFrameCodes`` counts those frames, and ``frames`` reports every frame
      that runs old code, moved or not, with the reason. Off: every running frame keeps its old code.
    - ``rebindFrameLocals``: locals of the stopped frames that hold a replaced object (a rebuilt class, a
      re-decorated function) are rewritten to the new object.
    - ``patchClassInstances``: live instances of a rebuilt class move to the new class (``__class__``).
    - ``mode``: ``"diff"`` executes only what changed; ``"module"`` re-executes the whole module body, except
      for ``__main__`` (the script being debugged), which is always reloaded as in diff mode: re-running it
      would run the program again.
    - Every option but ``mode`` must be a real boolean: ``"false"`` or ``0`` raise ValueError.
    - ``text`` (not a DAP option): the exact source to compile, for a caller that read and checked it (a save:
      the file may be truncated again between the check and the reload, and an empty text would be applied).
      None reads the file.
    """

    invalidatePycache: bool = True
    updateFrameCode: bool = True
    rebindFrameLocals: bool = True
    patchClassInstances: bool = True
    mode: Mode = "diff"
    text: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("diff", "module"):
            raise ValueError(f"hot reload option mode must be 'diff' or 'module', not {self.mode!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in ("mode", "text") and not isinstance(value, bool):
                # bool("false") is True: a string or a number would silently mean the opposite
                raise ValueError(f"hot reload option {f.name} must be true or false, not {value!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> ReloadOptions:
        """From a DAP ``options`` object; unknown keys are ignored, a bad ``mode`` or a value that is not a
        boolean (``"false"``, ``0``) raises ValueError."""
        if not d:
            return cls()
        known = {f.name for f in fields(cls)} - {"text"}
        return cls(**{key: value for key, value in d.items() if key in known})


@dataclass
class ReloadResult:
    ok: bool
    error: str | None = None
    hint: str | None = None
    reloadedModule: str | None = None
    reloadedPath: str | None = None
    reboundFrames: int = 0
    updatedFrameCodes: int = 0
    patchedInstances: int = 0
    patchedFunctions: int = 0
    patchedClasses: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    durationMs: float = 0.0
    line_map: dict[int, int | None] = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)  # every module namespace reloaded (a script can be two)
    mode: Mode = "diff"
    frames: list[dict[str, Any]] = field(default_factory=list)  # frames that ran old code: moved or why not

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}

    def summary(self) -> str:
        if not self.ok:
            return self.error or "hot reload failed"
        parts = [f"reloaded {self.reloadedModule}"]
        for label, names in (("changed", self.changed), ("added", self.added), ("removed", self.removed)):
            if names:
                parts.append(f"{label} {', '.join(names)}")
        if not (self.changed or self.added or self.removed):
            parts.append("no definition changed")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The DAP response body (and ``dapper/hotReloadResult`` event body): the DAP fields plus ours."""
        return {
            "ok": self.ok,
            "error": self.error,
            "hint": self.hint,
            "reloadedModule": self.reloadedModule,
            "reloadedPath": self.reloadedPath,
            **self.counters(),
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "warnings": list(self.warnings),
            "durationMs": self.durationMs,
            "lineMap": {str(k): v for k, v in self.line_map.items()},
            "modules": list(self.modules),
            "mode": self.mode,
            "frames": list(self.frames),
        }

    def to_record(self) -> ReloadRecord:
        return ReloadRecord(
            scope="debugger",
            outcome="applied" if self.ok else "failed",
            path=self.reloadedPath or "",
            message=self.summary(),
            module=self.reloadedModule,
            counters=self.counters(),
            added=list(self.added),
            changed=list(self.changed),
            removed=list(self.removed),
            warnings=list(self.warnings),
            hint=self.hint,
            duration_ms=self.durationMs,
            detail={
                "lineMap": {str(k): v for k, v in self.line_map.items()},
                "modules": list(self.modules),
                "mode": self.mode,
                "frames": list(self.frames),
            },
        )
