"""A capsule generation: one capsule process, the tools it declared, and where it is in its life.

A generation is ``current`` from the moment it answered ``tools/list`` until a newer one replaces it; it is then
``draining`` until no turn holds it, and ends ``closed``. It ends ``killed`` when a call outlives the drain
deadline, and ``exited`` when its process stops without the manager asking it to.
"""

from __future__ import annotations

import asyncio
import enum
import json
import signal
from dataclasses import dataclass, field

from dapper_tui.capsule.connection import CapsuleConnection
from dapper_tui.capsule.tools import ToolSpec


class GenerationState(enum.StrEnum):
    CURRENT = "current"
    DRAINING = "draining"
    CLOSED = "closed"  # closed by the manager once drained, or when the agent closes
    KILLED = "killed"  # a call was still running at the drain deadline
    EXITED = "exited"  # the process stopped on its own


ENDED = frozenset({GenerationState.CLOSED, GenerationState.KILLED, GenerationState.EXITED})


def signal_text(number: int) -> str:
    """``SIGKILL (signal 9)`` for 9; ``signal 77`` for a number this platform has no name for."""
    try:
        return f"{signal.Signals(number).name} (signal {number})"
    except ValueError:
        return f"signal {number}"


def signal_name(code: int | None) -> str | None:
    """The name of the signal that ended a process with return code ``code`` (negative), else None."""
    if code is None or code >= 0:
        return None
    try:
        return signal.Signals(-code).name
    except ValueError:
        return None


@dataclass
class Generation:
    number: int
    conn: CapsuleConnection
    tools: list[ToolSpec]
    python: str
    env_hash: dict[str, str]
    venv: str = ""  # the resolved prefix its imports come from (``venv.python_key``)
    pins: int = 0
    state: GenerationState = GenerationState.CURRENT
    in_flight: dict[int, str] = field(default_factory=dict)
    call_started: dict[int, float] = field(default_factory=dict)  # loop time each in-flight call started
    started_at: float = 0.0
    exit_code: int | None = None
    closing: bool = False  # the manager is closing or killing it: its exit is not a crash
    ended_by: str = ""  # why the manager killed it while current ("tool X timed out after N s"): replaced
    # after an unexpected exit: resolves to the replacement when its surface is identical, else to None
    successor: asyncio.Future[Generation | None] | None = None
    replaced_by: Generation | None = None
    why_not_replaced: str = ""
    venv_lock: int | None = None  # a shared flock on its venv while it runs (venv.hold)

    @property
    def pid(self) -> int:
        return self.conn.pid

    @property
    def signature(self) -> tuple[object, ...]:
        """What a turn pinned to this generation can observe: tool sources and declarations, env, venv."""
        tools = sorted(
            (t.name, t.source_hash, json.dumps(t.input_schema, sort_keys=True), t.description)
            for t in self.tools
        )
        return (tuple(tools), tuple(sorted(self.env_hash.items())), self.venv)

    @property
    def exit_text(self) -> str:
        code = self.exit_code
        if code is not None and code < 0:
            return f"was killed by {signal_text(-code)}"
        return f"exited with code {code}"

    @property
    def followed(self) -> Generation:
        """This generation, or the identical replacement that took over its turns after it exited."""
        gen = self
        while gen.replaced_by is not None:
            gen = gen.replaced_by
        return gen
