"""The one record type that every reload outcome is reported with, by the debug engine and the capsule manager.

Both write these into the reload log (through the coordinator) and, for the agent, into the thread.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Scope = Literal["debugger", "agent"]
Outcome = Literal["applied", "failed", "pending", "skipped", "restart-required"]


@dataclass
class ReloadRecord:
    scope: Scope
    outcome: Outcome
    path: str
    message: str = ""
    module: str | None = None
    # Counters, by the DAP surface's names where it has them: reboundFrames, updatedFrameCodes, patchedInstances,
    # patchedFunctions, patchedClasses (debugger); generation, revision (agent). Never a counter that did not
    # happen.
    counters: dict[str, int] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    hint: str | None = None
    duration_ms: float = 0.0
    timestamp: float = field(default_factory=time.time)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome == "applied"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReloadRecord:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})
