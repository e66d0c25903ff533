"""The crash-loop breaker: kills from outside are named as such and never stop the tools; the count resets."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from capsule_helpers import Recorder, final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

DYING = """\
import os


def die(code: int = 1) -> str:
    \"\"\"End the capsule process at once.\"\"\"
    os._exit(code)
"""


async def test_kills_from_outside_are_named_and_always_restarted(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        for _ in range(4):
            gen = rt.surface.generation
            assert gen is not None
            os.kill(gen.pid, signal.SIGKILL)
            record = await rec.reload("failed", event="exited", exited_generation=gen.number)
            assert record["message"] == "capsule process killed from outside (SIGKILL); starting a new one"
            assert record["detail"]["cause"] == "outside"
            await rec.reload("applied", restart_of=gen.number)
        assert (await final_text(rt, None, "/call version"))[0] == "version: v1"


@pytest.mark.slow
async def test_the_crash_count_resets_after_a_quiet_window(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    with (root / "agent.toml").open("a") as fh:
        fh.write("crash_window = 3\n")
    write(root, "src/tools/dying.py", DYING)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        for _ in range(3):  # three crashes, each within 10 s of its generation's start, spaced by the window
            gen = rt.surface.generation
            assert gen is not None
            await asyncio.sleep(3.1)
            await final_text(rt, None, "/call die")
            record = await rec.reload("failed", event="exited", exited_generation=gen.number)
            assert record["message"] == "capsule process exited with code 1; starting a new one"
            await rec.reload("applied", restart_of=gen.number)
