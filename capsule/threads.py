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
import builtins
import fcntl
import json
import math
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dapper_tui.capsule.events import Event


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


KEEP_TORN = 3  # torn tails kept per thread: <id>.jsonl.torn (newest), .torn.1, .torn.2
INTERRUPTED = "interrupted: the agent process stopped during this call"
_INT_MAX = 2**63


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def _integer(raw: dict[str, object], name: str) -> str | None:
    value = raw.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        return f'"{name}" is {value!r:.40}, not an integer'
    if not -_INT_MAX <= value < _INT_MAX:
        return f'"{name}" is out of range ({len(str(value))} digits)'
    return None


def event_problem(raw: object) -> str | None:
    """Why a decoded JSON value is not a storable event (``None``: it is one)."""
    if not isinstance(raw, dict):
        return f"not a JSON object ({_json_kind(raw)})"
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind:
        return '"type" is missing' if kind is None else f'"type" is a {_json_kind(kind)}, not a string'
    for name in ("revision", "seq"):
        problem = _integer(raw, name)
        if problem:
            return problem
    ts = raw.get("ts", 0.0)
    if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not math.isfinite(ts):
        return f'"ts" is {ts!r:.40}, not a finite number'
    if not isinstance(raw.get("thread", ""), str):
        return f'"thread" is a {_json_kind(raw["thread"])}, not a string'
    if not isinstance(raw.get("turn"), (str, type(None))):
        return f'"turn" is a {_json_kind(raw["turn"])}, not a string'
    return None


def parse_event(line: bytes) -> Event | str:
    """The event one stored line holds, or why it holds none."""
    try:
        raw = json.loads(line)
    except UnicodeDecodeError as exc:
        return f"not UTF-8 (byte {exc.start})"
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return f"not readable JSON ({type(exc).__name__}: {str(exc)[:80]})"
    problem = event_problem(raw)
    if problem:
        return problem
    return Event.from_dict(raw)


@dataclass
class _Parsed:
    events: list[Event]
    good: int  # byte offset just past the last complete line
    lines: int  # complete lines
    bad: list[tuple[int, str]]  # (line index, reason) of complete lines that are not events


def _parse_lines(data: bytes) -> _Parsed:
    """Complete lines of ``data``: the valid ones as events, the others with the reason they are not."""
    parsed = _Parsed([], 0, 0, [])
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        line = data[pos:end]
        if line.strip():
            event = parse_event(line)
            if isinstance(event, Event):
                parsed.events.append(event)
            else:  # kept on disk (never lost) but cannot be shown
                parsed.bad.append((parsed.lines, event))
        parsed.lines += 1
        pos = end + 1
        parsed.good = pos
    return parsed


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``fd`` is the file at ``path`` now (not one removed since, nor nothing)."""
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    here = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def writer_alive(path: Path) -> bool:
    """Whether a process has ``path`` open for writing (holds its ``.live`` lock). Never creates a file."""
    try:
        fd = os.open(_side(path, ".live"), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases the lock if it was taken
    return False


_CHECK = 64  # bytes before a scanned offset compared again before reading on from it


@dataclass
class _Scan:
    """What ``ThreadStore.list`` knows of one thread file, and the file state it was read from."""

    key: tuple[int, int, int]  # inode, size, mtime in ns
    offset: int  # just past the last complete line read
    check: bytes  # the ``_CHECK`` bytes before ``offset``: the file must still hold them to read on
    events: int = 0
    lines: int = 0
    bad: int = 0
    first_bad: str = ""
    created: float | None = None
    title: str | None = None

    def add(self, parsed: _Parsed) -> None:
        events = parsed.events
        if parsed.bad:
            if not self.bad:
                index, reason = parsed.bad[0]
                self.first_bad = f"line {self.lines + index + 1}: {reason}"
            self.bad += len(parsed.bad)
        self.lines += parsed.lines
        self.events += len(events)
        if events and self.created is None:
            self.created = events[0].ts
        if self.title is None:
            first = next((e for e in events if e.type == "user"), None)
            if first is not None:
                self.title = str(first.get("text", "")).strip().split("\n")[0][:60]


class ThreadWriter:
    """A writer of a thread file; other processes may write the same thread (see the module docstring).
    Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seq = 0
        self._known = 0  # bytes of the file read or written by this writer (all complete lines)
        self.repaired_bytes = 0
        self.interrupted = 0  # calls of an earlier session closed with an "interrupted" result on opening
        self._fd = self._lock_fd = self._live_fd = -1
        try:
            self._lock_fd = os.open(_side(path, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
            self._live_fd = os.open(_side(path, ".live"), os.O_RDWR | os.O_CREAT, 0o644)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            with self._exclusive():
                events = self._catch_up()
                try:
                    fcntl.flock(self._live_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    alone = True
                except BlockingIOError:
                    alone = False
                if alone:
                    self._close_interrupted(events)
                fcntl.flock(self._live_fd, fcntl.LOCK_SH)
        except BaseException:
            self.close()
            raise

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        lock, live = _side(self.path, ".lock"), _side(self.path, ".live")
        while True:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            if _same_file(self._lock_fd, lock):
                break
            # the last writer removed the lock file after this one opened it: lock the one at the path now
            os.close(self._lock_fd)
            self._lock_fd = -1
            self._lock_fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            # removed before this writer held it (no writer removes a .live file another one holds)
            if not _same_file(self._live_fd, live):
                os.close(self._live_fd)
                self._live_fd = -1
                self._live_fd = os.open(live, os.O_RDWR | os.O_CREAT, 0o644)
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _catch_up(self) -> list[Event]:
        """Under the lock: read what others appended since this writer's last write, and repair a torn tail
        (every writer that could be writing it is gone: it would hold the lock)."""
        size = os.fstat(self._fd).st_size
        if size < self._known:  # truncated by a repair elsewhere: read it all again (seq only grows)
            self._known = 0
        if size == self._known:
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self._known)
            data = fh.read(size - self._known)
        parsed = _parse_lines(data)
        self._seq = max([self._seq, *(e.seq for e in parsed.events)])
        good = parsed.good
        if good < len(data):
            self._move_aside(data[good:], self._known + good)
        self._known += good
        return parsed.events

    def _move_aside(self, tail: bytes, keep: int) -> None:
        torn = _side(self.path, ".torn")
        for n in range(KEEP_TORN - 1, 0, -1):
            older = _side(self.path, f".torn.{n - 1}") if n > 1 else torn
            if older.exists():
                os.replace(older, _side(self.path, f".torn.{n}"))
        with open(torn, "wb") as fh:
            fh.write(tail + b"\n")
        os.ftruncate(self._fd, keep)
        os.fsync(self._fd)
        self.repaired_bytes += len(tail)

    def _close_interrupted(self, events: list[Event]) -> None:
        """Under the lock, no other writer alive: every call without a result gets an "interrupted" one."""
        answered = {(e.turn, str(e.get("call_id"))) for e in events if e.type == "tool_result"}
        open_calls = [
            e for e in events if e.type == "tool_call" and (e.turn, str(e.get("call_id"))) not in answered
        ]
        for call in open_calls:
            data: dict[str, Any] = {
                key: call.data[key] for key in ("tool", "call_id", "step", "generation") if key in call.data
            }
            data.update(result=INTERRUPTED, is_error=True, interrupted=True)
            self._write(
                Event(
                    type="tool_result", thread=call.thread, revision=call.revision, turn=call.turn, data=data
                )
            )
        if open_calls:
            names = ", ".join(str(c.get("tool")) for c in open_calls)
            self._write(
                Event(
                    type="error",
                    thread=open_calls[-1].thread,
                    revision=open_calls[-1].revision,
                    data={
                        "message": f"interrupted: {len(open_calls)} tool call(s) had no result when an earlier "
                        f"session stopped ({names}); each is closed with an error result",
                        "interrupted": [c.get("call_id") for c in open_calls],
                    },
                )
            )
        self.interrupted = len(open_calls)

    def _write(self, event: Event) -> None:
        self._seq += 1
        event.seq = self._seq
        line = json.dumps(event.to_dict(), ensure_ascii=False, default=str).encode() + b"\n"
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._known += len(line)

    def append(self, event: Event) -> Event:
        with self._lock:
            if self._fd < 0:
                raise ValueError(f"thread writer for {self.path.name} is closed")
            with self._exclusive():
                self._catch_up()
                self._write(event)
        return event

    def _remove_side_files(self) -> None:
        """The last writer to close: remove ``.live`` and ``.lock`` (see the module docstring)."""
        with self._exclusive():
            try:  # our own shared lock may be gone after a failed conversion: we are closing anyway
                fcntl.flock(self._live_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another writer is live
            os.unlink(_side(self.path, ".live"))
            os.unlink(_side(self.path, ".lock"))

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0 and self._live_fd >= 0 and self._lock_fd >= 0:
                try:
                    self._remove_side_files()
                except OSError:  # a read-only folder, a file removed by hand: nothing to tidy
                    pass
            for name in ("_fd", "_live_fd", "_lock_fd"):
                fd = getattr(self, name)
                if fd >= 0:
                    os.close(fd)  # closing releases its locks
                    setattr(self, name, -1)


class _OpenCalls:
    """The calls a follower has seen without a result, and whether their writer is gone."""

    def __init__(self) -> None:
        self.open: set[tuple[str | None, str]] = set()
        self._tried_at = -1  # the file offset of the last attempt: one attempt per state of the file

    def see(self, events: list[Event]) -> None:
        for event in events:
            key = (event.turn, str(event.get("call_id")))
            if event.type == "tool_call":
                self.open.add(key)
            elif event.type == "tool_result":
                self.open.discard(key)

    def close_abandoned(self, path: Path, offset: int) -> bool:
        """With calls open and no live writer: open the thread for writing, which closes them as interrupted
        (unless a writer appears meanwhile: the check is made again under the thread's lock). True if tried."""
        if not self.open or self._tried_at == offset or writer_alive(path):
            return False
        self._tried_at = offset
        try:
            ThreadWriter(path).close()
        except OSError:  # a read-only folder: the follower only shows what is there
            return False
        return True


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
        return _parse_lines(path.read_bytes()).events

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
                    scan = self._scan(path, (stat.st_ino, stat.st_size, stat.st_mtime_ns))
                except OSError as exc:  # a directory, no permission, an I/O error: this thread only
                    self._scans.pop(path, None)
                    scan = _Scan(key=(0, 0, 0), offset=0, check=b"")
                    scan.first_bad = f"unreadable: {exc.strerror or exc}"
                infos.append(
                    ThreadInfo(
                        id=path.stem,
                        path=path,
                        created=scan.created if scan.created is not None else stat.st_mtime,
                        updated=stat.st_mtime,
                        events=scan.events,
                        title=scan.title or "",
                        damaged=self._damage(path, stat.st_size, scan),
                    )
                )
            for gone in set(self._scans) - seen:
                del self._scans[gone]
        return sorted(infos, key=lambda i: i.created)

    @staticmethod
    def _damage(path: Path, size: int, scan: _Scan) -> str:
        """Why part of the thread cannot be shown, or ``""``."""
        if scan.first_bad and not scan.bad:  # unreadable
            return scan.first_bad
        problems = []
        if scan.bad:
            lines = "1 damaged line" if scan.bad == 1 else f"{scan.bad} damaged lines"
            problems.append(f"{lines} kept on disk but not shown; {scan.first_bad}")
        unfinished = size - scan.offset
        if (unfinished or not size or not scan.events) and not writer_alive(path):
            if unfinished:
                problems.append(
                    f"an unfinished last line ({unfinished} bytes): the next writer moves it to {path.name}.torn"
                )
            elif not size:
                problems.append("empty file: no events")
            elif not scan.bad:
                problems.append("no events: only blank lines")
        return "; ".join(problems)

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
        parsed = _parse_lines(data)
        good = parsed.good
        scan.add(parsed)
        scan.key = key
        scan.offset = base + good
        scan.check = data[max(0, good - _CHECK) : good] if good else scan.check
        self._scans[path] = scan
        return scan

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
        calls = _OpenCalls()
        while stop is None or not stop.is_set():
            offset, events = self._read_from(path, offset)
            calls.see(events)
            yield from events
            if not events and not calls.close_abandoned(path, offset):
                time.sleep(poll)

    async def afollow(self, thread_id: str, poll: float = 0.05) -> AsyncIterator[Event]:
        """``follow`` for asyncio (the TUI's ``--watch``)."""
        offset = 0
        path = self.path(thread_id)
        calls = _OpenCalls()
        while True:
            offset, events = self._read_from(path, offset)
            calls.see(events)
            for event in events:
                yield event
            if not events and not calls.close_abandoned(path, offset):
                await asyncio.sleep(poll)

    @staticmethod
    def _read_from(path: Path, offset: int) -> tuple[int, builtins.list[Event]]:  # `list` is a method here
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < offset:  # repaired (truncated) by a writer: re-read only what is new
                    offset = size
                fh.seek(offset)
                data = fh.read()
        except FileNotFoundError:
            return offset, []
        parsed = _parse_lines(data)
        return offset + parsed.good, parsed.events
