"""Watching more folders must not open a window in which saves are lost.

The debugger adds folders while the program runs (a library file it stops in, a package imported from beside
the script). The watcher then watches a new set of roots; a save made while it switches over must still be
applied. It was not: the old watch ended before the new one listened, and a save in between was never seen
(`pytest --dapper` stopped in pytest's own frames, adding their folders, while the user saved the fix).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord
from helpers import wait_until


class PyScope:
    name = "debugger"

    def __init__(self) -> None:
        self.applied: list[Path] = []
        self.threads: set[str] = set()

    def claims(self, path: Path) -> bool:
        return path.suffix == ".py"

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        self.applied.extend(paths)
        self.threads.add(threading.current_thread().name)
        return [ReloadRecord(scope="debugger", outcome="applied", path=str(p)) for p in paths]


def _big_tree(root: Path, dirs: int) -> Path:
    """A folder whose watch takes a while to set up (one inotify watch per directory)."""
    for i in range(dirs):
        (root / f"d{i // 50}" / f"e{i}").mkdir(parents=True)
    return root


def test_saves_made_while_the_watcher_switches_roots_are_applied(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    first, second = src / "first.py", src / "second.py"
    first.write_text("x = 0\n")
    second.write_text("y = 0\n")
    library = _big_tree(tmp_path / "site-packages", 3000)
    scope = PyScope()
    coordinator = ReloadCoordinator(debounce_ms=50)
    coordinator.add_scope(scope, [src])
    coordinator.start()
    try:
        wait_until(lambda: coordinator.watching, 10, "the watcher never started")
        adder = threading.Thread(target=coordinator.add_roots, args=(scope, [library]))
        adder.start()
        first.write_text("x = 1\n")  # saved as the switch begins
        deadline = time.monotonic() + 10
        while adder.is_alive() and coordinator.watching and time.monotonic() < deadline:
            time.sleep(0.001)
        second.write_text("y = 1\n")  # saved once nothing listened (before), or once the switch ended
        adder.join(10)
        assert library.resolve() in coordinator._roots()
        wait_until(
            lambda: {first.resolve(), second.resolve()} <= set(scope.applied),
            10,
            lambda: f"saves lost while the watcher switched roots; applied: {scope.applied}",
        )
        assert scope.threads == {"reload-coordinator"}
        assert coordinator.watching
    finally:
        coordinator.stop()


def test_a_stopped_coordinator_with_retired_watches_applies_nothing(tmp_path: Path) -> None:
    scope = PyScope()
    coordinator = ReloadCoordinator(debounce_ms=50)
    coordinator.add_scope(scope, [tmp_path / "a"])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    before = {t for t in threading.enumerate() if t.name == "reload-coordinator"}  # other tests' watchers
    coordinator.start()
    coordinator.add_roots(scope, [tmp_path / "b"])
    coordinator.add_roots(scope, [tmp_path / "c"])  # does not exist: not watched, nothing breaks
    coordinator.stop()
    assert not coordinator.watching
    (tmp_path / "a" / "m.py").write_text("x = 1\n")
    (tmp_path / "b" / "n.py").write_text("x = 1\n")
    time.sleep(0.5)  # nothing may arrive: there is no event to wait for
    assert scope.applied == []
    assert not [t for t in threading.enumerate() if t.name == "reload-coordinator" and t not in before]
