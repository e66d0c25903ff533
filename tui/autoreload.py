"""Reload on save, until the engine side provides its own reload scope.

TEMPORARY ADAPTER: the debugger's scope belongs to the engine (`dapper_tui.engine.reload_scope.
DebuggerReloadScope`). Until it exists, this small scope registers on the shared ReloadCoordinator: a save of a
loaded source while the program is stopped asks the app to reload it at once; a save while it runs is recorded
as pending and applied at the next stop. Delete this module once the engine's scope lands.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dapper_tui.reload.record import ReloadRecord


class PendingSaves:
    """Paths saved (or requested) while the program ran: reloaded at the next stop."""

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


class SaveReloadScope:
    """A ReloadScope (see dapper_tui.reload.coordinator) for the debug session."""

    name = "debugger"

    def __init__(self, session: Any, reload_now: Callable[[str], None], pending: PendingSaves) -> None:
        self.session = session
        self.reload_now = reload_now  # thread-safe: posts to the app
        self.pending = pending

    def _module_of(self, path: str) -> str | None:
        for source in self.session.loaded_sources():
            if source.path == path:
                return source.module
        return None

    def claims(self, path: Path) -> bool:
        if path.suffix not in (".py", ".pyw"):
            return False
        return self._module_of(os.path.realpath(path)) is not None

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        records = []
        for p in paths:
            path = os.path.realpath(p)
            if self.session.state == "stopped":
                self.reload_now(path)  # the app reloads it and logs the result
            elif self.session.state == "running" and path not in self.pending:
                self.pending.add(path)
                records.append(
                    ReloadRecord(
                        scope="debugger",
                        outcome="pending",
                        path=path,
                        module=self._module_of(path),
                        message="saved while the program runs: it is reloaded at the next stop",
                    )
                )
        return records


def start_watching(
    session: Any,
    roots: list[str],
    reload_now: Callable[[str], None],
    on_record: Callable[[ReloadRecord], None],
    pending: PendingSaves,
) -> Any:
    """Start the coordinator with the debugger's scope. Returns the coordinator (call .stop())."""
    from dapper_tui.reload.coordinator import ReloadCoordinator

    coordinator = ReloadCoordinator()
    # The engine's DebuggerReloadScope (dapper_tui.engine.reload_scope) applies pending saves from a thread it
    # starts inside the Stopped event, i.e. on a debuggee thread: that thread becomes a debuggee thread and
    # parks at the reloaded module's first traced line, so the pending reload never finishes. Until that is
    # fixed, the app's own scope is used; it reloads from the app's worker threads.
    scope: Any = SaveReloadScope(session, reload_now, pending)
    coordinator.add_scope(scope, [Path(r) for r in roots])
    coordinator.subscribe(on_record)
    coordinator.start()
    return coordinator
