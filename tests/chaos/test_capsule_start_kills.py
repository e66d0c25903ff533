"""A new capsule process killed from outside before it answered (the warm spare, or the replacement of a killed
generation while it imports its tools) is replaced by another process: the agent is never left without tools.

Found by the chaos test (seed 7, 12 rounds): two kills in a row, the first of the current generation, the second
of its replacement while it started, left the agent with "the new generation did not start" until a save.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from capsule_helpers import Recorder, final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

pytestmark = pytest.mark.slow

SLOW_IMPORT = """\
import os
import time
from pathlib import Path

_data = Path(os.environ["DAPPER_AGENT_DATA"])
if (_data / "slow").exists():  # the test kills this process while it imports
    (_data / f"importing-{os.getpid()}").touch()
    for _ in range(1000):
        if not (_data / "slow").exists():
            break
        time.sleep(0.01)


def ping() -> str:
    return "pong"
"""


async def importing(data: Path, within: float = 20.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [p for p in data.glob("importing-*")]
        if found:
            return int(found[0].name.split("-")[1])
        await asyncio.sleep(0.02)
    raise AssertionError("no capsule started importing the tools")


@pytest.mark.parametrize("warm_spare", [False, True], ids=["cold", "warm-spare"])
async def test_a_replacement_killed_while_it_starts_is_replaced_in_turn(
    tmp_path: Path, warm_spare: bool
) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/slow_import.py", SLOW_IMPORT)
    data = root / "data"
    async with AgentRuntime(root, warm_spare=warm_spare, watch=False) as rt:
        rec = Recorder(rt)
        first = rt.surface.generation
        assert first is not None
        (data / "slow").touch()
        os.kill(first.pid, signal.SIGKILL)
        replacement = await importing(data)
        assert replacement != first.pid
        (data / "slow").unlink()
        os.kill(replacement, signal.SIGKILL)  # before it answered
        applied = await rec.reload("applied", restart_of=first.number, timeout=30)
        assert applied["counters"]["generation"] == first.number + 1
        assert not [
            r for r in rec.reloads() if r["outcome"] == "failed" and r["detail"].get("event") != "exited"
        ]
        text, _ = await asyncio.wait_for(final_text(rt, None, "/call ping"), 30)
        assert text == "ping: pong"
