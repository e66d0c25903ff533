"""Append-only, crash-safe thread store: one JSONL file per thread in ``data/threads/``.

Each event is one line, written with a single ``write`` on a file opened ``O_APPEND`` and flushed to the OS
before ``append`` returns, so a ``kill -9`` loses at most the line being written. A writer opening a thread
repairs a torn last line (no newline, or not JSON): the torn bytes are moved aside to ``<id>.jsonl.torn`` and
the file is truncated to the end of the last good line; no earlier line is ever touched. Readers never repair
and ignore a trailing partial line, so a second process can ``follow`` a thread live while it is written.
No reload rewrites a thread. ``ThreadStore.list`` keeps what it learnt of each file and reads only the bytes
appended since (nothing at all for a file whose size and mtime did not change), so polling it is cheap.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from dapper_tui.capsule.events import Event


@dataclass
class ThreadInfo:
    id: str
    path: Path
    created: float
    updated: float
    events: int
    title: str

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "path": str(self.path),
            "created": self.created,
            "updated": self.updated,
            "events": self.events,
            "title": self.title,
        }


def _parse_lines(data: bytes) -> tuple[list[Event], int]:
    """Complete, valid lines of ``data`` as events, and the byte offset just past the last good line."""
    events: list[Event] = []
    good = 0
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        line = data[pos:end]
        if line.strip():
            try:
                events.append(Event.from_dict(json.loads(line)))
            except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError):
                # A bad line in the middle is kept on disk (never lost) but cannot be shown.
                pass
        pos = end + 1
        good = pos
    return events, good


_CHECK = 64  # bytes before a scanned offset compared again before reading on from it


@dataclass
class _Scan:
    """What ``ThreadStore.list`` knows of one thread file, and the file state it was read from."""

    key: tuple[int, int, int]  # inode, size, mtime in ns
    offset: int  # just past the last complete line read
    check: bytes  # the ``_CHECK`` bytes before ``offset``: the file must still hold them to read on
    events: int = 0
    created: float | None = None
    title: str | None = None

    def add(self, events: list[Event]) -> None:
        self.events += len(events)
        if events and self.created is None:
            self.created = events[0].ts
        if self.title is None:
            first = next((e for e in events if e.type == "user"), None)
            if first is not None:
                self.title = str(first.get("text", "")).strip().split("\n")[0][:60]


class ThreadWriter:
    """The one writer of a thread file. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.repaired_bytes = self._repair()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        events, _ = _parse_lines(path.read_bytes())
        self._seq = max((e.seq for e in events), default=0)

    def _repair(self) -> int:
        if not self.path.exists():
            return 0
        data = self.path.read_bytes()
        if not data:
            return 0
        _, good = _parse_lines(data)
        tail = data[good:]
        if not tail:
            last = data[: good - 1].rsplit(b"\n", 1)[-1]
            if not last.strip():
                return 0
            try:
                json.loads(last)
                return 0
            except (json.JSONDecodeError, UnicodeDecodeError):
                # the last line has its newline but is not JSON: torn inside, move it aside too
                good -= len(last) + 1
                tail = data[good:]
        torn = self.path.with_name(self.path.name + ".torn")
        with open(torn, "ab") as fh:
            fh.write(tail + b"\n")
        with open(self.path, "r+b") as fh:
            fh.truncate(good)
            fh.flush()
            os.fsync(fh.fileno())
        return len(tail)

    def append(self, event: Event) -> Event:
        with self._lock:
            self._seq += 1
            event.seq = self._seq
            line = json.dumps(event.to_dict(), ensure_ascii=False, default=str).encode() + b"\n"
            view = memoryview(line)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        return event

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class ThreadStore:
    def __init__(self, data_dir: Path) -> None:
        self.dir = Path(data_dir) / "threads"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._scans: dict[Path, _Scan] = {}
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
        events, _ = _parse_lines(path.read_bytes())
        return events

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
                scan = self._scan(path, (stat.st_ino, stat.st_size, stat.st_mtime_ns))
                infos.append(
                    ThreadInfo(
                        id=path.stem,
                        path=path,
                        created=scan.created if scan.created is not None else stat.st_mtime,
                        updated=stat.st_mtime,
                        events=scan.events,
                        title=scan.title or "",
                    )
                )
            for gone in set(self._scans) - seen:
                del self._scans[gone]
        return sorted(infos, key=lambda i: i.created)

    def _scan(self, path: Path, key: tuple[int, int, int]) -> _Scan:
        """The file's summary: cached when unchanged, read on from the last offset when appended to."""
        old = self._scans.get(path)
        if old is not None and old.key == key:
            return old
        start = 0
        if old is not None and old.key[0] == key[0] and key[1] >= old.offset:
            start = max(0, old.offset - len(old.check))
        try:
            with open(path, "rb") as fh:
                fh.seek(start)
                data = fh.read()
        except FileNotFoundError:
            data = b""
        if start and old is not None and data[: old.offset - start] == old.check:
            scan = old
            data = data[old.offset - start :]
            base = old.offset
        else:  # new, truncated (a repaired tail) or replaced: read it all again
            scan = _Scan(key=key, offset=0, check=b"")
            if start:
                with open(path, "rb") as fh:
                    data = fh.read()
            base = 0
        events, good = _parse_lines(data)
        scan.add(events)
        scan.key = key
        scan.offset = base + good
        scan.check = data[max(0, good - _CHECK) : good] if good else scan.check
        self._scans[path] = scan
        return scan

    def follow(
        self, thread_id: str, poll: float = 0.05, stop: threading.Event | None = None
    ) -> Iterator[Event]:
        """Yield the thread's events, then new ones as another process appends them (blocking)."""
        offset = 0
        path = self.path(thread_id)
        while stop is None or not stop.is_set():
            offset, events = self._read_from(path, offset)
            yield from events
            if not events:
                time.sleep(poll)

    async def afollow(self, thread_id: str, poll: float = 0.05) -> AsyncIterator[Event]:
        """``follow`` for asyncio (the TUI's ``--watch``)."""
        offset = 0
        path = self.path(thread_id)
        while True:
            offset, events = self._read_from(path, offset)
            for event in events:
                yield event
            if not events:
                await asyncio.sleep(poll)

    @staticmethod
    def _read_from(path: Path, offset: int) -> tuple[int, list[Event]]:
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < offset:  # repaired (truncated) by a writer: re-read only what is new
                    offset = size
                fh.seek(offset)
                data = fh.read()
        except FileNotFoundError:
            return offset, []
        events, good = _parse_lines(data)
        return offset + good, events
