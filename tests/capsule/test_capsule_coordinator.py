"""The one reload coordinator, with real files on disk and its real watchfiles thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord
from helpers import wait_until


class SuffixScope:
    """A scope that claims files with one suffix and records each batch it is given."""

    def __init__(self, name: str, suffix: str) -> None:
        self.name = name
        self.suffix = suffix
        self.batches: list[list[Path]] = []
        self.threads: set[str] = set()

    def claims(self, path: Path) -> bool:
        return path.suffix == self.suffix

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        self.batches.append(paths)
        self.threads.add(threading.current_thread().name)
        return [ReloadRecord(scope=self.name, outcome="applied", path=str(p)) for p in paths]  # type: ignore[arg-type]


def test_saves_go_to_the_claiming_scope_and_one_log(tmp_path: Path) -> None:
    src, agent = tmp_path / "src", tmp_path / "agent"
    src.mkdir()
    agent.mkdir()
    debugger, agent_scope = SuffixScope("debugger", ".py"), SuffixScope("agent", ".md")
    coordinator = ReloadCoordinator(debounce_ms=50)
    seen: list[ReloadRecord] = []
    unsubscribe = coordinator.subscribe(seen.append)
    coordinator.add_scope(debugger, [src])
    coordinator.start()
    coordinator.start()  # idempotent
    try:
        coordinator.add_scope(agent_scope, [agent])  # added while running: its root is watched too
        (src / "mod.py").write_text("x = 1\n")
        wait_until(lambda: len(debugger.batches) == 1, 5, lambda: debugger.batches)
        (agent / "identity.md").write_text("hi\n")
        (agent / "notes.txt").write_text("nobody claims me\n")
        wait_until(lambda: len(agent_scope.batches) == 1, 5, lambda: agent_scope.batches)
        time.sleep(0.2)
        assert [r.scope for r in coordinator.log] == ["debugger", "agent"]
        assert [Path(r.path).name for r in coordinator.log] == ["mod.py", "identity.md"]
        assert seen == coordinator.log
        assert debugger.threads == {"reload-coordinator"}
        # several quick saves of one file are one batch
        for i in range(5):
            (src / "mod.py").write_text(f"x = {i}\n")
        wait_until(lambda: len(debugger.batches) >= 2, 5, lambda: debugger.batches)
        time.sleep(0.2)
        assert debugger.batches[1:] == [[(src / "mod.py").resolve()]]
        unsubscribe()
        (src / "mod.py").write_text("x = 9\n")
        wait_until(lambda: len(debugger.batches) >= 3, 5, lambda: debugger.batches)
        assert len(seen) == 3
    finally:
        coordinator.stop()
    (src / "mod.py").write_text("x = 10\n")
    time.sleep(0.3)
    assert len(debugger.batches) == 3, "a stopped coordinator applies nothing"


def test_request_takes_the_same_path_as_a_save(tmp_path: Path) -> None:
    scope = SuffixScope("debugger", ".py")
    coordinator = ReloadCoordinator()
    coordinator.add_scope(scope, [tmp_path])
    target = tmp_path / "m.py"
    target.write_text("")
    records = coordinator.request([target, tmp_path / "x.txt", Path("/elsewhere/o.py")])
    assert [Path(r.path) for r in records] == [target.resolve()]
    assert coordinator.log == records
    assert scope.threads == {threading.current_thread().name}


def test_a_failing_scope_is_a_failed_record_not_a_dead_watcher(tmp_path: Path) -> None:
    class Broken(SuffixScope):
        def apply(self, paths: list[Path]) -> list[ReloadRecord]:
            raise RuntimeError("scope bug")

    coordinator = ReloadCoordinator()
    coordinator.add_scope(Broken("agent", ".py"), [tmp_path])
    (tmp_path / "a.py").write_text("")
    records = coordinator.request([tmp_path / "a.py"])
    assert [(r.outcome, r.message) for r in records] == [("failed", "RuntimeError: scope bug")]
