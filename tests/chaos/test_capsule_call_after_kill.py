"""A call made just after its capsule was killed, before the agent read the end of the capsule's output, goes
to the identical replacement instead of failing as "killed during this call" (the tool never ran).

Found by the chaos test: a capsule killed at the end of one turn made the next turn's first call fail.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from capsule_helpers import final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import wait_until

pytestmark = pytest.mark.slow


def dead_unnoticed(pid: int) -> None:
    """Kill ``pid`` and wait, blocking this thread (so the agent's loop notices nothing), until it is a zombie or
    gone (3.11's child watcher reaps it from a thread of its own)."""
    os.kill(pid, signal.SIGKILL)

    def dead() -> bool:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except FileNotFoundError:
            return True
        return stat[stat.rfind(b")") + 2 :][:1] == b"Z"

    wait_until(dead, 10, f"{pid} dead", interval=0.001)


async def test_a_call_right_after_its_capsule_was_killed_goes_to_the_replacement(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        for _ in range(2):
            gen = rt.surface.generation
            assert gen is not None
            dead_unnoticed(gen.pid)
            assert not gen.conn.closed.is_set(), "the agent has not read the end of its output yet"
            text, events = await asyncio.wait_for(final_text(rt, None, "/call version"), 40)
            assert text == "version: v1"
            result = next(e for e in events if e.type == "tool_result")
            assert not result.data["is_error"]
            assert rt.surface.generation_number == gen.number + 1
