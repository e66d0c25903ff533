"""Retiring a generation that is no longer current: the drain, and the kill at its deadline.

The old generation is closed once no turn is pinned to it and no call is in flight. The drain deadline applies
to tool calls in flight only (a turn that merely has the generation pinned, waiting on a slow model, keeps it):
a call still running ``drain_timeout`` seconds into the drain gets its generation killed (whole process group),
and the kill is reported with a record (``killed_record``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from dapper_tui.capsule.generation import Generation, GenerationState
from dapper_tui.capsule.reaper import close_capsule, end_capsule
from dapper_tui.capsule.surface import Surface
from dapper_tui.reload.record import ReloadRecord


async def drain(gen: Generation, drain_timeout: float) -> list[str]:
    """Drain ``gen``, then close it. Returns the tools still running when it was killed at the deadline
    instead (none when it closed, or when something else ended it meanwhile)."""
    gen.state = GenerationState.DRAINING
    loop = asyncio.get_running_loop()
    drain_started = loop.time()
    # a turn that only has it pinned (waiting on its model) keeps it; the deadline is for calls in flight
    while (gen.pins > 0 or gen.in_flight) and gen.state == GenerationState.DRAINING:
        now = loop.time()
        overdue = [
            key
            for key, began in list(gen.call_started.items())
            if key in gen.in_flight and now - max(began, drain_started) >= drain_timeout
        ]
        if overdue:
            return await _kill(gen)
        await asyncio.sleep(0.02)
    if gen.state == GenerationState.DRAINING:
        gen.closing = True
        await close_capsule(gen.conn)
        gen.state = GenerationState.CLOSED
    return []


async def _kill(gen: Generation) -> list[str]:
    """A call of draining ``gen`` outlived the drain deadline: kill its process group."""
    hung = sorted(set(gen.in_flight.values()))
    gen.state = GenerationState.KILLED
    gen.closing = True
    end_capsule(gen.pid)
    await gen.conn.close(timeout=2.0)
    return hung


def killed_record(
    gen: Generation, hung: list[str], drain_timeout: float, surface: Surface, path: Path
) -> ReloadRecord:
    what = f"tool {', '.join(hung)} still running"
    return ReloadRecord(
        scope="agent",
        outcome="applied",
        path=str(path),
        message=f"generation {gen.number} killed: {what} after the {drain_timeout:g} s drain deadline",
        warnings=[f"killed generation {gen.number} (pid {gen.pid}): {what}"],
        counters={"revision": surface.revision, "generation": surface.generation_number},
        detail={"event": "killed", "killed_generation": gen.number, "tools": hung, "pid": gen.pid},
    )
