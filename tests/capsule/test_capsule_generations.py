"""Capsule generations: swap on save, pinning, failure keeps the old generation, drain and kill, coalescing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from capsule_helpers import TOOL_V1, ChatServer, Recorder, final_text, make_project, pids_alive
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import wait_until, write


async def test_tool_save_swaps_generation_and_next_turn_uses_it(project: Path) -> None:
    async with AgentRuntime(project, warm_spare=True) as runtime:
        await _swap_and_retire(runtime, project)


async def _swap_and_retire(runtime: AgentRuntime, project: Path) -> None:
    rec = Recorder(runtime)
    manager = runtime.manager
    assert manager is not None
    for _ in range(200):  # the warm spare is ready before the save, as it is between a user's saves
        if manager._spare is not None:
            break
        await asyncio.sleep(0.02)
    text, _ = await final_text(runtime, None, "/call version")
    assert text == "version: v1"
    gen1 = runtime.surface.generation
    assert gen1 is not None
    write(project, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
    record = await rec.reload("applied", rows=["tools"])
    assert record["counters"]["generation"] == 2
    assert record["detail"]["warm_spare"] is True
    assert "version" in record["changed"]
    text, events = await final_text(runtime, None, "/call version")
    assert text == "version: v2"
    assert {e.revision for e in events} == {record["counters"]["revision"]}
    for _ in range(100):  # the old generation is drained and shut down
        if not pids_alive(gen1.pid):
            break
        await asyncio.sleep(0.05)
    assert not pids_alive(gen1.pid)


async def test_module_state_is_recreated_but_data_persists(runtime: AgentRuntime, project: Path) -> None:
    rec = Recorder(runtime)
    assert (await final_text(runtime, None, "/call count"))[0] == "count: module=1 data=1"
    assert (await final_text(runtime, None, "/call count"))[0] == "count: module=2 data=2"
    write(project, "src/tools/t.py", TOOL_V1 + "\n# touched\n")
    await rec.reload("applied", rows=["tools"])
    assert (await final_text(runtime, None, "/call count"))[0] == "count: module=1 data=3"


async def test_call_in_flight_finishes_on_old_generation(runtime: AgentRuntime, project: Path) -> None:
    rec = Recorder(runtime)
    thread = runtime.open_thread()
    # two calls in one turn: the save lands while the first is running
    turn = asyncio.create_task(runtime.run(thread, "/call gated\n/call version"))
    await rec.wait(lambda e: e.type == "tool_call" and e.data["tool"] == "gated")
    write(project, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
    record = await rec.reload("applied", rows=["tools"])
    assert runtime.surface.generation_number == 2
    assert not turn.done()
    (project / "data" / "gate").touch()  # the call in flight may finish now, with generation 2 current
    events = [e for e in await turn if e.type != "reload"]
    results = [e.data for e in events if e.type == "tool_result"]
    assert [r["result"] for r in results] == ["v1", "v1"]
    assert {r["generation"] for r in results} == {1}
    assert {e.revision for e in events} == {1}
    text, events2 = await final_text(runtime, thread, "/call version")
    assert text == "version: v2"
    assert {e.revision for e in events2 if e.type != "reload"} == {record["counters"]["revision"]}
    history = runtime.history(thread)
    assert [e.data["text"] for e in history if e.type == "user"] == [
        "/call gated\n/call version",
        "/call version",
    ]


async def test_broken_tool_keeps_old_generation_then_fix_recovers(
    runtime: AgentRuntime, project: Path
) -> None:
    rec = Recorder(runtime)
    thread = runtime.open_thread()
    write(
        project,
        "src/tools/t.py",
        TOOL_V1.replace('VERSION = "v1"', 'VERSION = "v2"\nimport no_such_module_x'),
    )
    failed = await rec.reload("failed")
    assert "no_such_module_x" in failed["message"]
    assert runtime.surface.generation_number == 1
    # the failure is in the thread, and the old tools keep answering
    assert any(
        e.type == "reload" and e.data["record"]["outcome"] == "failed" for e in runtime.history(thread)
    )
    assert (await final_text(runtime, thread, "/call version"))[0] == "version: v1"
    write(project, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v3"'))
    applied = await rec.reload("applied", rows=["tools"])
    assert applied["counters"]["generation"] == 3  # generation 2 never became current
    assert (await final_text(runtime, thread, "/call version"))[0] == "version: v3"


async def test_syntax_error_and_duplicate_tool_are_reload_failures(
    runtime: AgentRuntime, project: Path
) -> None:
    rec = Recorder(runtime)
    write(project, "src/tools/bad.py", "def oops(:\n")
    failed = await rec.reload("failed")
    assert "bad.py" in failed["message"]
    assert "SyntaxError" in failed["message"]
    write(project, "src/tools/bad.py", "def version() -> str:\n    return 'dup'\n")
    failed = await rec.reload("failed", timeout=20)
    assert "also defined" in failed["message"]
    assert (await final_text(runtime, None, "/call version"))[0] == "version: v1"


async def test_hung_tool_at_drain_is_killed_and_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent", drain_timeout=0.5)
    write(
        root,
        "src/tools/hang.py",
        "import time\n\ndef hang() -> str:\n    time.sleep(60)\n    return 'never'\n",
    )
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        old = rt.surface.generation
        assert old is not None
        turn = asyncio.create_task(rt.run(None, "/call hang"))
        await rec.wait(lambda e: e.type == "tool_call")
        write(root, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
        await rec.reload("applied", rows=["tools"])
        killed = await rec.reload("applied", event="killed")
        assert killed["detail"]["tools"] == ["hang"]
        assert killed["detail"]["killed_generation"] == old.number
        assert killed["warnings"]
        # the turn ends with the kill, an error result, not with the tool's 60 s sleep
        events = await asyncio.wait_for(turn, 10)
        result = next(e for e in events if e.type == "tool_result")
        assert result.data["is_error"]
        assert "killed" in result.data["result"]
        assert not pids_alive(old.pid)
        assert (await final_text(rt, None, "/call version"))[0] == "version: v2"


async def test_newer_save_wins_over_one_still_starting(runtime: AgentRuntime, project: Path) -> None:
    rec = Recorder(runtime)
    importing = project / "data" / "slow-start-importing"
    slow_start = TOOL_V1.replace('"v1"', '"slow-start"') + (
        '\n(Path(os.environ["DAPPER_AGENT_DATA"]) / "slow-start-importing").touch()\ntime.sleep(3)\n'
    )
    write(project, "src/tools/t.py", slow_start)
    await rec.reload("pending")
    # that generation's process is starting: it is in its import, sleeping
    await asyncio.to_thread(wait_until, importing.exists, 20, "the slow-start generation importing its tools")
    write(project, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v3"'))
    skipped = await rec.reload("skipped")
    assert "superseded" in skipped["message"]
    await rec.reload("applied", rows=["tools"])
    await asyncio.sleep(0.3)
    applied = [r for r in rec.reloads() if r["outcome"] == "applied"]
    assert len(applied) == 1, "the superseded generation must never become current"
    assert (await final_text(runtime, None, "/call version"))[0] == "version: v3"


async def test_force_reload_starts_a_new_generation(runtime: AgentRuntime) -> None:
    before = runtime.surface.generation_number
    record = await runtime.force_reload()
    assert record.outcome == "applied"
    assert runtime.surface.generation_number == before + 1
    assert [r for r in runtime.coordinator.log if r.outcome == "pending"]


async def test_a_turn_waiting_on_its_model_keeps_its_generation_past_the_drain_deadline(
    tmp_path: Path,
) -> None:
    asked = threading.Event()
    gate = threading.Event()

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        if not results:
            return {"tool_calls": [{"name": "version", "arguments": {}}]}
        if len(results) == 1:  # a slow model: the turn has its generation pinned, no call in flight
            asked.set()
            gate.wait(30)
            return {"tool_calls": [{"name": "version", "arguments": {}}]}
        return {"text": "answers: " + ", ".join(results)}

    server = ChatServer(reply)
    try:
        root = make_project(tmp_path / "agent", drain_timeout=0.3, model="openai:fake")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
        async with AgentRuntime(root, warm_spare=False) as rt:
            rec = Recorder(rt)
            old = rt.surface.generation
            assert old is not None
            turn = asyncio.create_task(rt.run(None, "what version?"))
            assert await asyncio.to_thread(asked.wait, 20)
            write(root, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
            await rec.reload("applied", rows=["tools"])
            await asyncio.sleep(1.5)  # five drain deadlines pass; nothing of the old generation is running
            assert pids_alive(old.pid)
            assert old.state == "draining"
            gate.set()
            events = await asyncio.wait_for(turn, 20)
            results = [e.data for e in events if e.type == "tool_result"]
            assert [(r["result"], r["is_error"]) for r in results] == [("v1", False), ("v1", False)]
            assert [e.data["text"] for e in events if e.type == "assistant"] == ["answers: v1, v1"]
            for _ in range(100):  # released by its turn, the old generation is closed
                if not pids_alive(old.pid) and old.state == "closed":
                    break
                await asyncio.sleep(0.05)
            assert old.state == "closed"
            assert not pids_alive(old.pid)
            assert not [r for r in rec.reloads() if r["detail"].get("event") == "killed"]
        assert not (root / ".dapper").exists()  # no requirements.txt: the runtime leaves no folder behind
    finally:
        gate.set()
        server.close()


async def test_python_startup_variables_in_env_reach_the_interpreter_even_with_a_warm_spare(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "agent")
    first = write(tmp_path, "ext1/extmod.py", "VALUE = 'first'\n").parent
    second = write(tmp_path, "ext2/extmod.py", "VALUE = 'second'\n").parent
    write(
        root,
        "src/tools/ext.py",
        """\
        import sys


        def ext() -> str:
            import extmod

            return f"{extmod.VALUE} hash_randomization={sys.flags.hash_randomization}"
        """,
    )
    write(root, ".env", f"PYTHONPATH={first}\nPYTHONHASHSEED=0\n")
    async with AgentRuntime(root, warm_spare=True) as rt:
        rec = Recorder(rt)
        manager = rt.manager
        assert manager is not None

        async def spare_ready() -> None:
            for _ in range(300):
                if manager._spare is not None:
                    return
                await asyncio.sleep(0.02)
            raise AssertionError("no warm spare")

        assert (await final_text(rt, None, "/call ext"))[0] == "ext: first hash_randomization=0"
        await spare_ready()  # started with the PYTHON* variables of the .env it saw
        write(root, ".env", f"PYTHONPATH={second}\n")
        record = await rec.reload("applied", rows=["env"])
        assert record["detail"]["warm_spare"] is False  # that spare had the old start-up variables
        assert (await final_text(rt, None, "/call ext"))[0] == "ext: second hash_randomization=1"
        await spare_ready()  # the next spare starts with the new ones, and a tools save uses it
        write(root, "src/tools/t.py", TOOL_V1 + "\n# touched\n")
        record = await rec.reload("applied", rows=["tools"])
        assert record["detail"]["warm_spare"] is True
        assert (await final_text(rt, None, "/call ext"))[0] == "ext: second hash_randomization=1"


async def test_run_script_in_a_pinned_turn_runs_the_source_of_its_revision(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    scripts = root / "src" / "scripts"
    write(scripts, "hello.py", "import sys\nprint('one', sys.argv[1:], __file__ == sys.argv[0])\n")
    write(scripts, "hello.sh", 'echo "sh-one $(basename "$0") $1"\n')
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        pinned_revision = rt.revision
        thread = rt.open_thread()
        calls = [
            "/call gated",
            '/call run_script {"name": "hello.py", "args": ["x"]}',
            '/call run_script {"name": "hello.sh", "args": ["y"]}',
            '/call run_script {"name": "new.py"}',
        ]
        turn = asyncio.create_task(rt.run(thread, "\n".join(calls)))
        await rec.wait(lambda e: e.type == "tool_call" and e.data["tool"] == "gated")
        write(scripts, "hello.py", "import sys\nprint('two', sys.argv[1:], __file__ == sys.argv[0])\n")
        write(scripts, "hello.sh", 'echo "sh-two $(basename "$0") $1"\n')
        write(scripts, "new.py", "print('new')\n")
        seen: set[str] = set()
        while seen != {"hello.py", "hello.sh", "new.py"}:  # the saves may come as several batches
            record = await rec.reload("applied", row="scripts")
            seen |= set(record["added"]) | set(record["changed"])
        assert rt.revision > pinned_revision
        (root / "data" / "gate").touch()
        results = [e.data for e in await turn if e.type == "tool_result"]
        assert [r["result"] for r in results[:3]] == ["v1", "one ['x'] True", "sh-one hello.sh y"]
        assert results[3]["is_error"]
        assert f"at surface revision {pinned_revision}" in results[3]["result"]
        # the next turn runs the new sources
        text, _ = await final_text(rt, thread, "\n".join(calls[1:]))
        assert text == "run_script: two ['x'] True\nrun_script: sh-two hello.sh y\nrun_script: new"
