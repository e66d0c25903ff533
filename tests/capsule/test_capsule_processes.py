"""No process outlives the agent: tool children, grandchildren and forked copies of the capsule end with it."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from capsule_helpers import final_text, make_project, pids_alive
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

SPAWNER = """\
import json
import os
import subprocess
import sys
import time


def spread() -> str:
    \"\"\"Start a child that starts a grandchild, and fork the capsule itself.\"\"\"
    child = subprocess.Popen(
        ["sh", "-c", "sleep 300 & echo $!; wait"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    grandchild = int(child.stdout.readline())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], stdin=subprocess.DEVNULL)
    # its own process group (as a job-control shell makes one), still in the capsule's session
    grouped = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL, process_group=0)
    fork = os.fork()
    if fork == 0:
        time.sleep(300)
        os._exit(0)
    return json.dumps({"capsule": os.getpid(), "pids": [child.pid, grandchild, sleeper.pid, grouped.pid, fork]})
"""


async def spread(rt: AgentRuntime) -> tuple[int, list[int]]:
    _, events = await asyncio.wait_for(final_text(rt, None, "/call spread"), 30)
    result = json.loads(next(e.data["result"] for e in events if e.type == "tool_result"))
    assert all(pids_alive(pid) for pid in result["pids"])
    return result["capsule"], result["pids"]


async def gone(pids: list[int], within: float = 3.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(pids_alive(p) for p in pids):
        await asyncio.sleep(0.05)
    return [p for p in pids if pids_alive(p)]


async def test_close_ends_every_process_the_tools_started(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/spawner.py", SPAWNER)
    rt = AgentRuntime(root, warm_spare=False, watch=False)
    await rt.start()
    try:
        capsule, pids = await spread(rt)
    finally:
        await rt.close()
    assert await gone([capsule, *pids]) == []


async def test_a_retired_generation_takes_its_processes_with_it(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/spawner.py", SPAWNER)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        capsule, pids = await spread(rt)
        assert (await rt.force_reload()).outcome == "applied"
        assert await gone([capsule, *pids], within=10.0) == []
