"""Reload on save: the engine's debugger scope on the one reload coordinator, wired to the app.

A save of a loaded source while the program is stopped reloads at once; a save while it runs is logged as
pending and applied at the next stop (both by `dapper_tui.engine.reload_scope.DebuggerReloadScope`). A save of a
library file the program is stopped in, or that holds a breakpoint, reloads only with `--reload-libraries`;
otherwise the reload log says why it did not. The reload key takes the app's own path (`PendingSaves` below), so
that it works without a watcher too, and reloads a loaded library module with a warning.
`start_watching` and `watch_source_folder` live with the scope, for the `--plain` console uses them too.
"""

from __future__ import annotations

import threading

from dapper_tui.engine.reload_scope import start_watching, watch_source_folder


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


__all__ = ["PendingSaves", "start_watching", "watch_source_folder"]
