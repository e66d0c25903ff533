"""Append-only, crash-safe thread store: one JSONL file per thread in ``data/threads/``.

Each event is one line, written with a single ``write`` on a file opened ``O_APPEND`` and flushed to the OS
before ``append`` returns, so a ``kill -9`` loses at most the line being written. A writer opening a thread
repairs a torn last line (no newline, or not JSON): the torn bytes are moved aside to ``<id>.jsonl.torn`` and
the file is truncated to the end of the last good line; no earlier line is ever touched. Readers never repair
and ignore a trailing partial line, so a second process can ``follow`` a thread live while it is written.
No reload rewrites a thread.
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
        for path in self.dir.glob("*.jsonl"):
            events, _ = _parse_lines(path.read_bytes())
            title = next(
                (str(e.get("text", "")).strip().split("\n")[0][:60] for e in events if e.type == "user"), ""
            )
            stat = path.stat()
            infos.append(
                ThreadInfo(
                    id=path.stem,
                    path=path,
                    created=events[0].ts if events else stat.st_mtime,
                    updated=stat.st_mtime,
                    events=len(events),
                    title=title,
                )
            )
        return sorted(infos, key=lambda i: i.created)

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
