"""No process outlives the agent, even when the agent is killed: each capsule's watchdog ends the capsule and
everything its tools started (``capsule/reaper.py``); a tool child that calls ``setsid()`` is ended too.

Found by the chaos test: before the watchdog, 26 processes were left after 8 rounds (stopped and hung capsules,
forked capsules, tool children and grandchildren, setsid escapees).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from capsule_helpers import final_text, pids_alive
from chaos_helpers import Agent, ProcInfo, chaos_project, proc_table, project_processes, settle_leftovers
from dapper_tui.capsule.runtime import AgentRuntime

pytestmark = pytest.mark.slow

SETSID_TOOL = """\
import subprocess
import sys


def escape() -> str:
    \"\"\"Start a child in a session of its own, as a daemonising tool does; return its pid.\"\"\"
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return str(child.pid)
"""


def watchdogs(capsules: set[int]) -> list[ProcInfo]:
    return [
        p
        for p in proc_table().values()
        if p.state != "Z"
        and any(a.endswith(b"reaper.py") for a in p.cmdline.split(b"\0"))
        and any(a.isdigit() and int(a) in capsules for a in p.cmdline.split(b"\0"))
    ]


def capsule_in_state(agent: Agent, state: str, within: float = 10.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for p in proc_table().values():
            if p.ppid == agent.proc.pid and b"capsule.host" in p.cmdline and p.state == state:
                return p.pid
        time.sleep(0.02)
    raise AssertionError(f"no capsule of agent {agent.proc.pid} in state {state}")


def kill_agent_during(tmp_path: Path, message: str, tool: str, state: str) -> list[ProcInfo]:
    """Start an agent, send ``message``, kill -9 the agent while ``tool`` runs (its capsule in ``state``)."""
    root = chaos_project(tmp_path / "agent", call_timeout=60)
    agent = Agent(root, tmp_path / "agent.log")
    try:
        agent.wait_for(lambda e: e.get("type") == "ready")
        agent.send(message)
        agent.wait_for(lambda e: e.get("type") == "tool_call" and e.get("tool") == tool)
        capsule = capsule_in_state(agent, state)
        capsules = {
            p.pid for p in proc_table().values() if p.ppid == agent.proc.pid and b"capsule.host" in p.cmdline
        }
        assert project_processes(root, capsules), "the tools' processes run"
    finally:
        agent.kill()
    left = settle_leftovers(root, capsules | {capsule}, within=5.0)
    for p in left:  # clean up whatever the outcome
        kill_now(p.pid)
    return left


def kill_now(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGCONT)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_an_agent_killed_during_a_hung_call_leaves_no_process(tmp_path: Path) -> None:
    # the capsule blocks in a tool thread (it would not exit on stdin's end) and its tools left 5 processes
    left = kill_agent_during(tmp_path, "/call spread\n/call hang_sync", "hang_sync", "S")
    assert [p.command for p in left] == []


def test_an_agent_killed_while_its_capsule_is_stopped_leaves_no_process(tmp_path: Path) -> None:
    left = kill_agent_during(tmp_path, "/call stop_self", "stop_self", "T")
    assert [p.command for p in left] == []


async def test_a_setsid_child_of_a_tool_ends_with_its_generation_and_no_watchdog_outlives_the_agent(
    tmp_path: Path,
) -> None:
    root = chaos_project(tmp_path / "agent", call_timeout=60)
    (root / "src/tools/escape.py").write_text(SETSID_TOOL)
    rt = AgentRuntime(root, warm_spare=False, watch=False)
    await rt.start()
    capsules: set[int] = set()
    try:
        first = rt.surface.generation
        assert first is not None
        capsules.add(first.pid)
        escaped = [int((await final_text(rt, None, "/call escape"))[0].split(": ")[1])]
        assert pids_alive(escaped[0])
        assert (await rt.force_reload()).outcome == "applied"  # the first generation retires
        deadline = time.monotonic() + 10
        while pids_alive(escaped[0]) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not pids_alive(escaped[0]), "the setsid child ended with its generation"
        second = rt.surface.generation
        assert second is not None
        capsules.add(second.pid)
        escaped.append(int((await final_text(rt, None, "/call escape"))[0].split(": ")[1]))
        assert watchdogs({second.pid}), "the current generation has a watchdog"
    finally:
        await rt.close()
    deadline = time.monotonic() + 5
    while (watchdogs(capsules) or any(pids_alive(p) for p in escaped)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not any(pids_alive(p) for p in escaped), "the setsid child ended with the agent's close"
    assert [p.command for p in watchdogs(capsules)] == [], "no watchdog outlives a normal close"
    assert [p.command for p in project_processes(root, capsules)] == []
