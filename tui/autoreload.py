"""Reload on save: the engine's debugger scope on the one reload coordinator, wired to the app.

A save of a loaded source while the program is stopped reloads at once; a save while it runs is logged as
pending and applied at the next stop (both by `dapper_tui.engine.reload_scope.DebuggerReloadScope`). The
reload key takes the app's own path (`PendingSaves` below) so that it works without a watcher too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dapper_tui.reload.record import ReloadRecord


class PendingSaves:
    """Paths whose reload was asked for (by key) while the program ran: reloaded at the next stop."""

    def __init__(self) -> None:
        self._paths: dict[str, None] = {}
        self._lock = threading.Lock()

    def add(self, path: str) -> None:
        with self._lock:
            self._paths[path] = None

    def take(self) -> list[str]:
        with self._lock:
            paths = list(self._paths)
            self._paths.clear()
            return paths

    def __contains__(self, path: str) -> bool:
        return path in self._paths


def start_watching(session: Any, roots: list[str], on_record: Callable[[ReloadRecord], None]) -> Any:
    """Start the coordinator with the debugger's scope. Returns the coordinator (call .stop())."""
    from dapper_tui.engine.reload_scope import DebuggerReloadScope
    from dapper_tui.reload.coordinator import ReloadCoordinator

    coordinator = ReloadCoordinator()
    coordinator.add_scope(DebuggerReloadScope(session, coordinator), [Path(r) for r in roots])
    coordinator.subscribe(on_record)
    coordinator.start()
    return coordinator
