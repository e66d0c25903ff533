"""The debugger's scope in the one reload coordinator: saves of the debuggee's loaded sources.

A save while the program is stopped reloads at once. A save while it runs is recorded as pending and applied
at the next stop (a reload needs a stopped program: frames must not move under the patch). A save whose text
did not change is recorded as skipped. Every outcome becomes a ReloadRecord in the one reload log.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from dapper_tui.reload.record import ReloadRecord

from .events import Event, Reloaded, Stopped
from .session import DebugSession
from .sources import canonical, is_user_file, loaded_sources


class Publisher(Protocol):
    def publish(self, record: ReloadRecord) -> None: ...


class DebuggerReloadScope:
    name = "debugger"

    def __init__(
        self, session: DebugSession, publisher: Publisher | None = None, *, auto_on_save: bool = True
    ):
        self.session = session
        self.publisher = publisher
        self.auto_on_save = auto_on_save
        self._pending: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._known: dict[str, bytes] = {}  # last source we saw reloaded (or first seen), by path
        session.subscribe(self._on_event)

    # -- ReloadScope ------------------------------------------------------------------------------------------
    def claims(self, path: Path) -> bool:
        p = canonical(str(path))
        if not p.endswith((".py", ".pyw")) or not is_user_file(p):
            return False
        return any(src.path == p for src in loaded_sources())

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        records = []
        for path in paths:
            records.append(self.reload(path))
        return records

    # -- the work ---------------------------------------------------------------------------------------------
    def reload(self, path: Path | str, options: dict[str, Any] | None = None) -> ReloadRecord:
        p = canonical(str(path))
        state = self.session.state
        if state == "running":
            with self._lock:
                self._pending[p] = Path(p)
            return _record("pending", p, "saved while the program runs: it will reload at the next stop")
        if state != "stopped":
            return _record(
                "skipped",
                p,
                f"the program is {state}; nothing to reload",
                "Restart the program to run the saved code.",
            )
        try:
            data = Path(p).read_bytes()
        except OSError:
            data = None
        if data is not None and self._known.get(p) == data:
            return _record("skipped", p, "no change since the last reload")
        return self.session.reload(p, options).to_record()  # `_known` is updated by the Reloaded event

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Reloaded) and event.result.ok:
            # Any reload (this scope's, the reload key's, a DAP client's): a save of the same text is no change.
            path = canonical(str(event.result.reloadedPath))
            try:
                self._known[path] = Path(path).read_bytes()
            except OSError:
                self._known.pop(path, None)
        if isinstance(event, Stopped) and self._pending:
            # This runs on the stopping debuggee thread: the reload must run on a thread of ours.
            self.session.threads.spawn_internal(self._apply_pending, "reload-pending")

    def _apply_pending(self) -> None:
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for path in pending:
            record = self.reload(path)
            if self.publisher is not None:
                self.publisher.publish(record)


def _record(outcome: Any, path: str, message: str, hint: str | None = None) -> ReloadRecord:
    return ReloadRecord(
        scope="debugger", outcome=outcome, path=path, module=_module_of(path), message=message, hint=hint
    )


def _module_of(path: str) -> str | None:
    for src in loaded_sources():
        if src.path == path:
            return src.module
    return None
