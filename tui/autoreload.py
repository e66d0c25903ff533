"""Reload on save: the engine's debugger scope on the one reload coordinator, wired to the app.

A save of a loaded source while the program is stopped reloads at once; a save while it runs is logged as
pending and applied at the next stop (both by `dapper_tui.engine.reload_scope.DebuggerReloadScope`). The
reload key takes the app's own path (`PendingSaves` below) so that it works without a watcher too.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any


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


def start_watching(coordinator: Any, session: Any, roots: list[str]) -> Any:
    """Register the debugger's scope with the app's coordinator and start watching; returns the scope."""
    from dapper_tui.engine.reload_scope import DebuggerReloadScope

    scope = DebuggerReloadScope(session, coordinator)
    coordinator.add_scope(scope, [Path(r) for r in roots])
    coordinator.start()
    return scope


def watch_source_folder(coordinator: Any, scope: Any, path: str) -> None:
    """A program file loaded from outside the watched folders (a package beside the script, the folder of a
    `-m` module): watch its folder too, so that saving it reloads it like any other."""
    from dapper_tui.engine.sources import is_user_file

    if scope is not None and is_user_file(path):
        coordinator.add_roots(scope, [Path(path).parent])
