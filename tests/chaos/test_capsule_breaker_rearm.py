"""The crash-loop breaker re-arms with time: after ``crash_window`` quiet seconds the tools are tried again
without a save (before, they stayed off until a save or the reload key, however long ago the loop was)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from capsule_helpers import Recorder, final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

pytestmark = pytest.mark.slow

FLAKY = """\
import os
import threading
import time
from pathlib import Path

if (Path(os.environ["DAPPER_AGENT_DATA"]) / "broken").exists():  # a dependency that is down, say
    threading.Thread(target=lambda: (time.sleep(0.3), os._exit(9)), daemon=True).start()


def ping() -> str:
    return "pong"
"""


async def test_tools_stopped_by_a_crash_loop_are_tried_again_after_the_window(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    with (root / "agent.toml").open("a") as fh:
        fh.write("crash_window = 8\n")
    (root / "data" / "broken").touch()
    write(root, "src/tools/flaky.py", FLAKY)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        for _ in range(2):
            await rec.reload("failed", event="exited")
            await rec.reload("applied")
        tripped = await rec.reload("failed", event="exited", timeout=30)
        assert "not starting a new one" in tripped["message"]
        assert "tried again in 8 s" in tripped["hint"]
        (root / "data" / "broken").unlink()  # the outside cause went away; no file of the project was saved
        dead = tripped["detail"]["exited_generation"]
        applied = await rec.reload("applied", restart_of=dead, timeout=20)
        assert applied["counters"]["generation"] == dead + 1
        text, _ = await asyncio.wait_for(final_text(rt, None, "/call ping"), 20)
        assert text == "ping: pong"
