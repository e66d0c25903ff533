"""The writer of a thread file: the ``.lock`` and ``.live`` side files, catching up with other writers,
moving a torn tail aside, closing the calls a killed session left open (the rules are in threads.py)."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.thread_lines import parse_lines

KEEP_TORN = 3  # torn tails kept per thread: <id>.jsonl.torn (newest), .torn.1, .torn.2
INTERRUPTED = "interrupted: the agent process stopped during this call"


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
        parsed = parse_lines(data)
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
