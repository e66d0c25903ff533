"""Events of an agent thread. Every event records the surface revision it was produced under.

Types: ``thread_start``, ``user``, ``assistant_delta`` (streamed text, live only, never stored),
``assistant``, ``tool_call``, ``tool_result``, ``reload``, ``turn_end``, ``error``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

EPHEMERAL = frozenset({"assistant_delta"})
_FIXED = ("type", "thread", "revision", "turn", "ts", "seq")


@dataclass
class Event:
    type: str
    thread: str
    revision: int
    data: dict[str, Any] = field(default_factory=dict)
    turn: str | None = None
    ts: float = field(default_factory=time.time)
    seq: int = 0

    @property
    def stored(self) -> bool:
        return self.type not in EPHEMERAL

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "thread": self.thread,
            "revision": self.revision,
            "turn": self.turn,
            "ts": round(self.ts, 6),
            "seq": self.seq,
            **self.data,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        return cls(
            type=str(raw.get("type", "")),
            thread=str(raw.get("thread", "")),
            revision=int(raw.get("revision", 0)),
            turn=raw.get("turn"),
            ts=float(raw.get("ts", 0.0)),
            seq=int(raw.get("seq", 0)),
            data={k: v for k, v in raw.items() if k not in _FIXED},
        )

    def summary(self) -> str:
        """One human line for the plain (non-JSON) CLI output."""
        d = self.data
        if self.type == "user":
            return f"[r{self.revision}] you: {d.get('text', '')}"
        if self.type == "assistant":
            return f"[r{self.revision}] agent: {d.get('text', '')}"
        if self.type == "tool_call":
            return f"[r{self.revision}] -> {d.get('tool')}({d.get('arguments')}) on generation {d.get('generation')}"
        if self.type == "tool_result":
            flag = "error" if d.get("is_error") else "ok"
            return f"[r{self.revision}] <- {d.get('tool')} {flag}: {d.get('result')}"
        if self.type == "reload":
            record = d.get("record", {})
            return f"[r{self.revision}] reload {record.get('outcome')}: {record.get('path')} {record.get('message')}"
        if self.type == "error":
            return f"[r{self.revision}] error: {d.get('message')}"
        if self.type == "turn_end":
            return f"[r{self.revision}] (turn {self.turn} done)"
        return f"[r{self.revision}] {self.type}"
