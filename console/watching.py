"""Reload on save for the `--plain` console, with the machinery the TUI uses: one `ReloadCoordinator` (the
watchfiles watcher) and the engine's `DebuggerReloadScope` for the session that runs now.

A save of a loaded source while the program is stopped reloads it at once; a save while it runs is pending and
applied at the next stop (the scope does both). The script's folder is watched from the start, and the folder of
every program file loaded from elsewhere as it is loaded. `restart` runs a fresh engine session: `attach` puts a
scope for it in place of the old one, on the same folders.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from dapper_tui.engine.reload_scope import DebuggerReloadScope, start_watching, watch_source_folder
from dapper_tui.engine.session import DebugSession
from dapper_tui.engine.sources import canonical, is_user_file
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord


class SaveWatcher:
    def __init__(self, roots: list[str], on_record: Callable[[ReloadRecord], None]) -> None:
        self.coordinator = ReloadCoordinator()
        self.roots = [canonical(r) for r in roots]
        self.scope: DebuggerReloadScope | None = None
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] | None = self.coordinator.subscribe(on_record)

    def attach(self, session: DebugSession) -> None:
        """Reload `session`'s program on save (the first session, or the fresh one of a restart). Returns once
        the watcher listens. Raises if there is no watcher (the `reload` command works without one)."""
        with self._lock:
            old, self.scope = self.scope, None
            roots = list(self.roots)
        if old is not None:
            self.coordinator.remove_scope(old)
        scope = start_watching(self.coordinator, session, roots)
        with self._lock:
            self.scope = scope

    def watch_folder_of(self, path: str) -> None:
        """The program loaded `path`: watch its folder too, if it is the program's own file and the folder is not
        watched yet (in the background: the watcher restarts to take a folder in)."""
        folder = str(Path(path).parent)
        with self._lock:
            scope = self.scope
            if (
                scope is None
                or not is_user_file(path)
                or any(Path(folder).is_relative_to(root) for root in self.roots)
            ):
                return
            self.roots.append(folder)
        threading.Thread(
            target=watch_source_folder,
            args=(self.coordinator, scope, path),
            name="dapper-tui console watch",
            daemon=True,
        ).start()

    def settle(self, timeout: float = 10.0) -> None:
        """After a stop: wait until the saves that were pending are applied."""
        scope = self.scope
        if scope is not None:
            scope.settle(timeout)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.coordinator.stop()
