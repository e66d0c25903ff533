"""The one reload coordinator: a watchfiles watcher shared by the debug engine and the agent capsule manager.

Scopes register with the roots they want watched. Each debounced batch of changed paths is split by scope
(the first scope, in registration order, that watches a root holding the path and ``claims`` it), handed to
that scope's ``apply`` on the coordinator's thread, and every returned record goes into one chronological
log and to every subscriber. A change no scope claims is ignored and not logged. ``request`` is the manual
trigger (the keyboard reload) and takes exactly the same path as a save.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from dapper_tui.reload.record import ReloadRecord

log = logging.getLogger(__name__)


@runtime_checkable
class ReloadScope(Protocol):
    name: str

    def claims(self, path: Path) -> bool: ...

    def apply(self, paths: list[Path]) -> list[ReloadRecord]: ...


@dataclass
class _Registration:
    scope: ReloadScope
    roots: list[Path]

    def covers(self, path: Path) -> bool:
        return any(path == root or path.is_relative_to(root) for root in self.roots)


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


class ReloadCoordinator:
    """One watcher, many scopes, one log."""

    def __init__(self, debounce_ms: int = 50) -> None:
        self.debounce_ms = debounce_ms
        self._registrations: list[_Registration] = []
        self._subscribers: list[Callable[[ReloadRecord], object]] = []
        self._log: list[ReloadRecord] = []
        self._lock = threading.RLock()
        self._watch: _Watch | None = None  # the watch over the current roots
        self._retiring: list[_Watch] = []  # earlier watches, kept until the current one listens
        self._stopped = threading.Event()
        self._dispatching = threading.Lock()  # one batch at a time, whichever watch saw it
        self._roots_version = 0  # counts the changes of the registered roots
        self._seen: dict[Path, tuple[int, ...] | None] = {}

    # -- registration and records ---------------------------------------------------------------------------

    def add_scope(self, scope: ReloadScope, roots: list[Path]) -> None:
        with self._lock:
            self._registrations.append(_Registration(scope, [_real(Path(r)) for r in roots]))
            self._roots_version += 1
            running = self._watch is not None
        if running:
            self._rewatch()

    def add_roots(self, scope: ReloadScope, roots: list[Path]) -> list[Path]:
        """Watch more folders for a registered scope (the debuggee imported a module from elsewhere). Returns the
        folders that were not watched before; the watcher restarts only when there are some."""
        added: list[Path] = []
        with self._lock:
            for reg in self._registrations:
                if reg.scope is scope:
                    for root in (_real(Path(r)) for r in roots):
                        if not reg.covers(root) and root not in added:
                            added.append(root)
                    reg.roots.extend(added)
                    self._roots_version += bool(added)
                    break
            running = self._watch is not None
        if added and running:
            self._rewatch()
        return added

    def remove_scope(self, scope: ReloadScope) -> None:
        with self._lock:
            self._registrations = [r for r in self._registrations if r.scope is not scope]
            self._roots_version += 1
            running = self._watch is not None
        if running:
            self._rewatch()

    def subscribe(self, callback: Callable[[ReloadRecord], object]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, record: ReloadRecord) -> None:
        with self._lock:
            self._log.append(record)
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(record)
            except Exception:
                log.exception("reload subscriber failed")

    @property
    def log(self) -> list[ReloadRecord]:
        with self._lock:
            return list(self._log)

    # -- dispatch -------------------------------------------------------------------------------------------

    def request(self, paths: list[Path]) -> list[ReloadRecord]:
        """Apply ``paths`` now, exactly as a save of them would. Returns the records written."""
        with self._lock:
            registrations = list(self._registrations)
        batches: list[tuple[ReloadScope, list[Path]]] = []
        for raw in paths:
            path = _real(Path(raw))
            for reg in registrations:
                if reg.covers(path) and reg.scope.claims(path):
                    for scope, batch in batches:
                        if scope is reg.scope:
                            if path not in batch:
                                batch.append(path)
                            break
                    else:
                        batches.append((reg.scope, [path]))
                    break
        records: list[ReloadRecord] = []
        for scope, batch in batches:
            try:
                produced = scope.apply(sorted(batch))
            except Exception as exc:  # a scope bug must not take the watcher down
                log.exception("reload scope %s failed", scope.name)
                produced = [
                    ReloadRecord(
                        scope=scope.name,  # type: ignore[arg-type]
                        outcome="failed",
                        path=str(batch[0]),
                        message=f"{type(exc).__name__}: {exc}",
                    )
                ]
            for record in produced:
                self.publish(record)
            records.extend(produced)
        return records

    # -- watching -------------------------------------------------------------------------------------------
    #
    # A watch is one thread running watchfiles over one set of roots. When the roots change, a new watch starts
    # and the old one goes on until the new one listens, and a debounce later: there is no moment in which a
    # save is not seen. A save both see is applied once (`_fresh`, under the dispatch lock).

    def start(self) -> None:
        """Watch in a background thread. Idempotent. Returns once the watcher is listening."""
        with self._lock:
            if self._watch is not None and self._watch.thread.is_alive():
                return
            self._stopped.clear()
            watch = self._watch = _Watch(self)
        watch.ready.wait(5)

    @property
    def watching(self) -> bool:
        """The watcher is up and listens to every registered root (a root just added is not watched yet)."""
        watch = self._watch
        return (
            watch is not None
            and watch.thread.is_alive()
            and watch.ready.is_set()
            and watch.roots_version == self._roots_version
        )

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            watches, self._watch, self._retiring = [self._watch, *self._retiring], None, []
        for watch in watches:
            if watch is not None:
                watch.stop.set()
        for watch in watches:
            if watch is not None and watch.thread is not threading.current_thread():
                watch.thread.join(5)

    def _rewatch(self) -> None:
        with self._lock:
            old = self._watch
            if old is None or self._stopped.is_set():
                return
            new = self._watch = _Watch(self)
            self._retiring.append(old)
        new.ready.wait(5)
        grace = self.debounce_ms / 1000 + 0.2  # what the old watch holds back for its debounce is dispatched
        timer = threading.Timer(grace, self._retire, args=(old,))
        timer.daemon = True
        timer.start()

    def _retire(self, watch: _Watch) -> None:
        watch.stop.set()
        with self._lock:
            if watch in self._retiring:
                self._retiring.remove(watch)

    def _roots(self) -> list[Path]:
        with self._lock:
            roots = {root for reg in self._registrations for root in reg.roots}
        existing = sorted(r for r in roots if r.exists())
        # A root inside another root would report its changes twice.
        return [r for r in existing if not any(o != r and r.is_relative_to(o) for o in existing)]

    def _fresh(self, paths: list[Path]) -> list[Path]:
        """Drop paths whose file is exactly as it was when last dispatched: one save can reach the watcher as
        two batches (truncate, then write), two watches may both report it while the roots change, and an editor
        may touch a file without changing it. The key holds ``st_ctime_ns``, so even a same-size save that
        restores the old mtime counts as a change."""
        fresh: list[Path] = []
        for path in paths:
            try:
                st = path.stat()
                key: tuple[int, ...] | None = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            except OSError:
                key = None
            if path in self._seen and self._seen[path] == key:
                continue
            self._seen[path] = key
            fresh.append(path)
        return fresh

    def _dispatch(self, changes: Iterable[tuple[object, str]]) -> None:
        with self._dispatching:
            fresh = self._fresh(sorted({Path(p) for _change, p in changes}))
            if fresh:
                self.request(fresh)


class _Watch:
    """One watchfiles loop over the roots registered when it starts, until its ``stop`` is set."""

    def __init__(self, coordinator: ReloadCoordinator) -> None:
        self.coordinator = coordinator
        with coordinator._lock:
            self.roots_version = coordinator._roots_version
            self.roots = coordinator._roots()
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="reload-coordinator", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import watchfiles

        coordinator = self.coordinator
        while not self.stop.is_set():
            if not self.roots:
                self.ready.set()
                self.stop.wait()
                return
            try:
                for changes in watchfiles.watch(
                    *self.roots,
                    debounce=coordinator.debounce_ms,
                    step=max(1, min(coordinator.debounce_ms, 25)),
                    stop_event=self.stop,
                    rust_timeout=100,
                    yield_on_timeout=True,
                    raise_interrupt=False,
                ):
                    self.ready.set()
                    if changes:
                        coordinator._dispatch(changes)
            except Exception:
                log.exception("reload watcher failed; restarting")
                self.stop.wait(0.2)
