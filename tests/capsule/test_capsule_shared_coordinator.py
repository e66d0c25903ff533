"""One coordinator for the debugger and the agent: each save goes to its own scope, nothing else is disturbed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from capsule_helpers import TOOL_V1, Recorder, final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord
from helpers import write


class DebuggeeScope:
    """Stands in for the debug engine's scope: claims the debuggee's .py files."""

    name = "debugger"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.applied: list[Path] = []

    def claims(self, path: Path) -> bool:
        return path.suffix == ".py" and path.is_relative_to(self.root)

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        self.applied.extend(paths)
        return [ReloadRecord(scope="debugger", outcome="applied", path=str(p)) for p in paths]


async def test_one_coordinator_one_log_two_scopes(tmp_path: Path) -> None:
    debuggee = tmp_path / "app"
    write(debuggee, "main.py", "x = 1\n")
    root = make_project(tmp_path / "agent")
    coordinator = ReloadCoordinator(debounce_ms=50)
    engine_scope = DebuggeeScope(debuggee)
    coordinator.add_scope(engine_scope, [debuggee])
    coordinator.start()
    try:
        async with AgentRuntime(root, coordinator=coordinator, warm_spare=False) as rt:
            rec = Recorder(rt)
            revision, pid = rt.revision, rt.surface.generation.pid  # type: ignore[union-attr]
            write(debuggee, "main.py", "x = 2\n")
            for _ in range(200):
                if engine_scope.applied:
                    break
                await asyncio.sleep(0.02)
            assert engine_scope.applied == [(debuggee / "main.py").resolve()]
            assert (rt.revision, rt.surface.generation.pid) == (revision, pid)  # type: ignore[union-attr]
            write(root, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
            await rec.reload("applied", rows=["tools"])
            assert (await final_text(rt, None, "/call version"))[0] == "version: v2"
            assert engine_scope.applied == [(debuggee / "main.py").resolve()]
            # the keyboard reload through the coordinator: same path as a save, a new capsule generation
            records = coordinator.request([root / "src" / "tools"])
            assert [r.outcome for r in records] == ["pending"]
            await rec.reload("applied", rows=["tools"])
        log = [(r.scope, r.outcome) for r in coordinator.log]
        assert log[0] == ("agent", "applied")  # generation 1
        assert ("debugger", "applied") in log
        assert log.count(("agent", "applied")) == 3
        stamps = [r.timestamp for r in coordinator.log]
        assert stamps == sorted(stamps)
    finally:
        coordinator.stop()
