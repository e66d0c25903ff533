"""Reload records land in the session's current thread: the one opened or sent to last, or the next one when
none is current (a failure is never only printed). Real watcher, real capsules, real files."""

from __future__ import annotations

from pathlib import Path

from capsule_helpers import TOOL_V1, Recorder, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write


def _outcomes(rt: AgentRuntime, thread: str) -> list[str]:
    return [e.data["record"]["outcome"] for e in rt.history(thread) if e.type == "reload"]


async def test_reload_failures_go_to_the_current_thread_or_wait_for_the_next_one(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        earlier = rt.open_thread()
        current = rt.open_thread()
        assert rt.active_thread == current
        write(root, "src/tools/t.py", TOOL_V1 + "\ndef broken(:\n")
        await rec.reload("failed")
        assert _outcomes(rt, current) == ["pending", "failed"]
        assert _outcomes(rt, earlier) == [], "a thread no longer on screen is left alone"

        # no thread current (the user chose "new thread" and has not sent yet): the record is published with
        # no thread, and written into the thread that becomes current next
        rt.activate_thread(None)
        write(root, "src/tools/t.py", TOOL_V1 + "\ndef broken_again(:\n")
        unfiled = await rec.wait(lambda e: e.type == "reload" and e.data["record"]["outcome"] == "failed")
        assert unfiled.thread == ""
        assert rt.active_thread is None
        fresh = rt.activate_thread(rt.store.new_id())
        assert fresh is not None
        assert rt.active_thread == fresh
        stored = [e.data["record"] for e in rt.history(fresh) if e.type == "reload"]
        assert [r["outcome"] for r in stored] == ["pending", "failed"]
        assert stored[1]["message"] == unfiled.data["record"]["message"]
        assert "t.py" in stored[1]["message"]
        assert _outcomes(rt, current) == ["pending", "failed"], "the earlier current thread does not get it"

        # the fix: applied records go to the current thread; a turn in it runs the fixed tools
        write(root, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
        await rec.reload("applied", rows=["tools"])
        assert _outcomes(rt, fresh)[-1] == "applied"
        events = await rt.run(fresh, "/call version")
        assert [e.data["result"] for e in events if e.type == "tool_result"] == ["v2"]


async def test_applied_records_while_no_thread_is_current_are_not_written_later(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    async with AgentRuntime(root, warm_spare=False) as rt:
        assert rt.tools_loaded
        assert rt.start_record is not None
        assert rt.start_record.outcome == "applied"
        thread = rt.open_thread()
        assert _outcomes(rt, thread) == [], "a successful start is not news for a thread opened later"
