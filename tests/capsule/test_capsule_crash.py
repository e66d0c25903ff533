"""A capsule process that dies is reported and replaced; a tool that raises SystemExit is only an error result."""

from __future__ import annotations

import asyncio
from pathlib import Path

from capsule_helpers import Recorder, final_text, make_project, pids_alive
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

CRASHY = """\
import os
import sys


def die(code: int = 1) -> str:
    \"\"\"End the capsule process at once, the way a segfaulting extension or a stray os._exit does.\"\"\"
    os._exit(code)


def quit_politely(code: int = 2) -> str:
    \"\"\"Raise SystemExit, as sys.exit() in a tool does.\"\"\"
    sys.exit(code)


def interrupted() -> str:
    \"\"\"Raise KeyboardInterrupt.\"\"\"
    raise KeyboardInterrupt("stop")
"""


async def test_os_exit_in_a_tool_is_reported_and_a_new_generation_serves_the_next_call(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/crashy.py", CRASHY)
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        dead = rt.surface.generation
        assert dead is not None
        # the call in flight gets a clear error; the turn's next call goes to the identical replacement
        text, events = await final_text(rt, None, '/call die {"code": 7}\n/call version')
        thread = events[0].thread
        results = [e.data for e in events if e.type == "tool_result"]
        assert results[0]["is_error"]
        assert "exited with code 7 during this call" in results[0]["result"]
        assert not results[1]["is_error"]
        assert results[1]["result"] == "v1"
        exited = await rec.reload("failed", event="exited")
        assert exited["message"] == "capsule process exited with code 7; starting a new one"
        assert exited["detail"]["exited_generation"] == dead.number
        applied = await rec.reload("applied", restart_of=dead.number)
        assert applied["counters"]["generation"] == dead.number + 1
        assert rt.surface.generation_number == dead.number + 1
        assert not pids_alive(dead.pid)
        # later turns work as before, on the new generation
        text, events = await final_text(rt, None, "/call version")
        assert text == "version: v1"
        assert {e.data["generation"] for e in events if e.type == "tool_result"} == {dead.number + 1}
        # and the record is in the thread of the turn that saw it, not only in the log
        assert any(
            e.type == "reload" and e.data["record"]["detail"].get("event") == "exited"
            for e in rt.history(thread)
        )


async def test_system_exit_and_keyboard_interrupt_are_error_results_in_the_same_capsule(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/crashy.py", CRASHY)
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        gen = rt.surface.generation
        assert gen is not None
        _, events = await asyncio.wait_for(
            final_text(rt, None, "/call quit_politely\n/call interrupted\n/call count"), 30
        )
        results = [e.data for e in events if e.type == "tool_result"]
        assert results[0]["is_error"]
        assert "SystemExit(2)" in results[0]["result"]
        assert results[1]["is_error"]
        assert "KeyboardInterrupt" in results[1]["result"]
        assert results[2] == {**results[2], "is_error": False, "result": "module=1 data=1"}
        assert rt.surface.generation is gen
        assert pids_alive(gen.pid)
        assert not [r for r in rec.reloads() if r["outcome"] == "failed"]


async def test_a_pinned_turn_does_not_go_on_with_a_replacement_that_has_other_tools(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/crashy.py", CRASHY)
    # the tool edits another tool file, then dies: the replacement starts from the edited files
    write(
        root,
        "src/tools/editor.py",
        """\
        import os
        from pathlib import Path


        def edit_then_die() -> str:
            tool = Path(os.environ["DAPPER_AGENT_DIR"]) / "src/tools/t.py"
            tool.write_text(tool.read_text().replace('"v1"', '"v2"'))
            os._exit(3)
        """,
    )
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        _, events = await final_text(rt, None, "/call edit_then_die\n/call version")
        results = [e.data for e in events if e.type == "tool_result"]
        assert "exited with code 3" in results[0]["result"]
        assert results[1]["is_error"]
        assert "different surface" in results[1]["result"]
        await rec.reload("applied", restart_of=1)
        assert (await final_text(rt, None, "/call version"))[0] == "version: v2"


async def test_a_capsule_that_keeps_dying_at_start_is_not_restarted_forever(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    # every generation dies shortly after it became current
    write(
        root,
        "src/tools/doomed.py",
        """\
        import os
        import threading
        import time


        def _later() -> None:
            time.sleep(1.0)  # after the generation became current, well within the quick-exit window
            os._exit(9)


        threading.Thread(target=_later, daemon=True).start()


        def noop() -> str:
            return "ok"
        """,
    )
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        for _ in range(2):
            await rec.reload("failed", event="exited")
            await rec.reload("applied")
        final = await rec.reload("failed", event="exited", timeout=30)
        assert "not starting a new one" in final["message"]
        text, _ = await final_text(rt, None, "/call noop")
        assert "exited with code 9 before this call" in text
        # a save (here the reload key) starts again
        (root / "src/tools/doomed.py").write_text("def noop() -> str:\n    return 'fixed'\n")
        record = await rt.force_reload()
        assert record.outcome == "applied"
        assert (await final_text(rt, None, "/call noop"))[0] == "noop: fixed"
