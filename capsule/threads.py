"""Append-only, crash-safe thread store: one JSONL file per thread in ``data/threads/``.

Each event is one line, written with a single ``write`` on a file opened ``O_APPEND`` and flushed to the OS
before ``append`` returns, so a ``kill -9`` loses at most the line being written.

One writer at a time, across processes: every append (and every repair) holds ``flock(LOCK_EX)`` on
``<id>.jsonl.lock``. Under that lock a writer first reads what other processes appended since its last write
(so ``seq`` numbers of one thread are distinct and in file order whichever process wrote them), and only
under that lock can an unfinished last line be the remains of a writer that died: it is then moved aside to
``<id>.jsonl.torn`` (the previous ``KEEP_TORN - 1`` torn tails are kept as ``.torn.1``, ``.torn.2``, ...) and
the file is truncated to the end of the last good line; no complete line is ever touched. Readers never
repair, never truncate, and ignore a trailing partial line, so a second process can ``follow`` or ``list`` a
thread live while it is written.

Every open writer also holds ``flock(LOCK_SH)`` on ``<id>.jsonl.live``. A writer that opens a thread no other
live writer has open closes the calls an earlier, killed session left without a result: each gets a
``tool_result`` with ``is_error`` and ``interrupted`` set, and an ``error`` event says so, so no call shows
as running for ever. A follower (``follow``, ``afollow``: the TUI's ``--watch``) that has seen calls without a
result while no writer is alive any more opens the thread for writing once to the same end.

The last writer to close removes ``.lock`` and ``.live`` (under the lock, when no other writer holds ``.live``).
A writer that opened them just before keeps trying: it holds the lock only once the lock file it locked is the
one at the path, and re-opens ``.live`` if it was removed, so two writers never lock different files.

A line that is not a valid event (not JSON, not an object, a field of the wrong type, a number JSON allows
but an event cannot hold) is kept on disk, never shown, and reported: ``ThreadInfo.damaged`` says which line
and why. No reload rewrites a thread. ``ThreadStore.list`` keeps what it learnt of each file and reads only the
bytes appended since (nothing at all for a file whose size and mtime did not change), so polling it is cheap.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.thread_follow import OpenCalls, read_from

# the thread file's parts, importable from here as before
from dapper_tui.capsule.thread_lines import event_problem as event_problem
from dapper_tui.capsule.thread_lines import parse_event as parse_event
from dapper_tui.capsule.thread_lines import parse_lines
from dapper_tui.capsule.thread_scan import Scan, damage
from dapper_tui.capsule.thread_scan import scan as scan_file
from dapper_tui.capsule.thread_writer import INTERRUPTED as INTERRUPTED
from dapper_tui.capsule.thread_writer import KEEP_TORN as KEEP_TORN
from dapper_tui.capsule.thread_writer import ThreadWriter as ThreadWriter
from dapper_tui.capsule.thread_writer import writer_alive as writer_alive


@dataclass
class ThreadInfo:
    id: str
    path: Path
    created: float
    updated: float
    events: int
    title: str
    damaged: str = ""  # why some of the file cannot be shown ("": all of it can)

    def to_dict(self) -> dict[str, object]:
        return {
            "damaged": self.damaged or None,
            "id": self.id,
            "path": str(self.path),
            "created": self.created,
            "updated": self.updated,
            "events": self.events,
            "title": self.title,
        }


class ThreadStore:
    def __init__(self, data_dir: Path) -> None:
        self.dir = Path(data_dir) / "threads"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._scans: dict[Path, Scan] = {}
        self._scan_lock = threading.Lock()

    def path(self, thread_id: str) -> Path:
        if not thread_id or "/" in thread_id or thread_id.startswith("."):
            raise ValueError(f"bad thread id {thread_id!r}")
        return self.dir / f"{thread_id}.jsonl"

    def new_id(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

    def exists(self, thread_id: str) -> bool:
        return self.path(thread_id).exists()

    def writer(self, thread_id: str) -> ThreadWriter:
        return ThreadWriter(self.path(thread_id))

    def read(self, thread_id: str) -> list[Event]:
        path = self.path(thread_id)
        if not path.exists():
            return []
        return parse_lines(path.read_bytes()).events

    def list(self) -> list[ThreadInfo]:
        infos: list[ThreadInfo] = []
        with self._scan_lock:
            seen: set[Path] = set()
            for path in self.dir.glob("*.jsonl"):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                seen.add(path)
                try:
                    scan = scan_file(self._scans, path, (stat.st_ino, stat.st_size, stat.st_mtime_ns))
                except OSError as exc:  # a directory, no permission, an I/O error: this thread only
                    self._scans.pop(path, None)
                    scan = Scan(key=(0, 0, 0), offset=0, check=b"")
                    scan.first_bad = f"unreadable: {exc.strerror or exc}"
                infos.append(
                    ThreadInfo(
                        id=path.stem,
                        path=path,
                        created=scan.created if scan.created is not None else stat.st_mtime,
                        updated=stat.st_mtime,
                        events=scan.events,
                        title=scan.title or "",
                        damaged=damage(path, stat.st_size, scan),
                    )
                )
            for gone in set(self._scans) - seen:
                del self._scans[gone]
        return sorted(infos, key=lambda i: i.created)

    def follow(
        self, thread_id: str, poll: float = 0.05, stop: threading.Event | None = None
    ) -> Iterator[Event]:
        """Yield the thread's events, then new ones as another process appends them (blocking).

        When the writer dies with calls open (no process holds the thread's ``.live`` lock any more), the
        follower opens the thread for writing once, which closes them as interrupted in the file (see the module
        docstring), and yields those results: a follower never shows a call as running for ever.
        """
        offset = 0
        path = self.path(thread_id)
        calls = OpenCalls()
        while stop is None or not stop.is_set():
            offset, events = read_from(path, offset)
            calls.see(events)
            yield from events
            if not events and not calls.close_abandoned(path, offset):
                time.sleep(poll)

    async def afollow(self, thread_id: str, poll: float = 0.05) -> AsyncIterator[Event]:
        """``follow`` for asyncio (the TUI's ``--watch``)."""
        offset = 0
        path = self.path(thread_id)
        calls = OpenCalls()
        while True:
            offset, events = read_from(path, offset)
            calls.see(events)
            for event in events:
                yield event
            if not events and not calls.close_abandoned(path, offset):
                await asyncio.sleep(poll)
