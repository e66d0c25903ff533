"""Paths whose reload the reload key asked for while the program ran: reloaded at the next stop.

A file of its own, without the reload machinery: the app makes one at start-up, before its first paint, and
`engine.hotreload` (which the watcher and the first reload need) loads only after it.
"""

from __future__ import annotations

import threading


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
