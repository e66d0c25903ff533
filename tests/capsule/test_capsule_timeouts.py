"""A tool call that hangs ends with an error result after the per-call timeout; the turn and the agent go on.
A tool module whose import hangs fails the start after start_timeout, named with the line it hangs on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from capsule_helpers import Recorder, final_text, make_project, pids_alive
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

HANGING = """\
import asyncio
import os
import signal
import time


def hang_sync(seconds: float = 600) -> str:
    \"\"\"Block the thread it runs on.\"\"\"
    time.sleep(seconds)
    return "woke"


async def hang_async(seconds: float = 600) -> str:
    \"\"\"Wait on the capsule's event loop.\"\"\"
    await asyncio.sleep(seconds)
    return "woke"


def stop_capsule() -> str:
    \"\"\"Stop the whole capsule process, as SIGSTOP from a debugger or a job control key does.\"\"\"
    os.kill(os.getpid(), signal.SIGSTOP)
    return "resumed"


def generator_exit() -> str:
    \"\"\"Raise GeneratorExit, which is no Exception.\"\"\"
    raise GeneratorExit("bye")
"""


def timeout_project(root: Path, call_timeout: float) -> Path:
    make_project(root)
    with (root / "agent.toml").open("a") as fh:
        fh.write(f"call_timeout = {call_timeout}\n")
    write(root, "src/tools/hanging.py", HANGING)
    return root


@pytest.mark.parametrize("tool", ["hang_sync", "hang_async", "stop_capsule"])
async def test_a_hung_tool_ends_with_an_error_and_the_turn_goes_on(tmp_path: Path, tool: str) -> None:
    root = timeout_project(tmp_path / "agent", 1.5)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        hung = rt.surface.generation
        assert hung is not None
        _, events = await asyncio.wait_for(final_text(rt, None, f"/call {tool}\n/call version"), 30)
        results = [e.data for e in events if e.type == "tool_result"]
        assert results[0]["is_error"]
        assert f"{tool} timed out after 1.5 s" in results[0]["result"]
        assert results[1] == {**results[1], "is_error": False, "result": "v1"}
        assert events[-1].type == "turn_end"
        record = await rec.reload("failed", event="exited", cause="timed_out")
        assert "timed out after 1.5 s" in record["message"]
        await rec.reload("applied", restart_of=hung.number)
        assert not pids_alive(hung.pid)  # a capsule that hung is not trusted again
        assert (await final_text(rt, None, "/call count"))[0] == "count: module=1 data=1"


async def test_a_tool_that_raises_generator_exit_is_an_error_result(tmp_path: Path) -> None:
    root = timeout_project(tmp_path / "agent", 5)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        gen = rt.surface.generation
        assert gen is not None
        _, events = await asyncio.wait_for(final_text(rt, None, "/call generator_exit\n/call version"), 4)
        results = [e.data for e in events if e.type == "tool_result"]
        assert results[0]["is_error"]
        assert "GeneratorExit: bye" in results[0]["result"]
        assert results[1]["result"] == "v1"
        assert rt.surface.generation is gen
        assert pids_alive(gen.pid)


def test_the_default_call_timeout_is_sixty_seconds_and_bad_values_are_refused(tmp_path: Path) -> None:
    from dapper_tui.capsule.project import AgentProject, ProjectError

    root = make_project(tmp_path / "agent")
    assert AgentProject(root).config().call_timeout == 60.0
    with (root / "agent.toml").open("a") as fh:
        fh.write("call_timeout = -1\n")
    with pytest.raises(ProjectError, match="call_timeout"):
        AgentProject(root).config()


async def test_a_tool_import_that_never_returns_is_named_with_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    text = (root / "agent.toml").read_text().replace("start_timeout = 20", "start_timeout = 3")
    (root / "agent.toml").write_text(text)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        before = rt.surface
        write(
            root,
            "src/tools/stuck.py",
            "import time\n\n\ndef unreached() -> str:\n    return 'ok'\n\n\nwhile True:\n    time.sleep(0.05)\n",
        )
        record = await rt.force_reload()
        assert record.outcome == "failed"
        assert "did not load within 3 s" in record.message, record.message
        assert "src/tools/stuck.py:9 (in <module>)" in record.message, record.message
        assert rt.surface.revision == before.revision
        assert (await final_text(rt, None, "/call version"))[0] == "version: v1"  # the old tools answer
