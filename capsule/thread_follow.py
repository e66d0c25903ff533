"""Following a thread file another process writes: reading on from an offset, and closing the calls a dead
writer left open (see ``ThreadStore.follow`` and threads.py)."""

from __future__ import annotations

import os
from pathlib import Path

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.thread_lines import parse_lines
from dapper_tui.capsule.thread_writer import ThreadWriter, writer_alive


def read_from(path: Path, offset: int) -> tuple[int, list[Event]]:
    """The complete lines after ``offset`` as events, and the offset just past them."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < offset:  # repaired (truncated) by a writer: re-read only what is new
                offset = size
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return offset, []
    parsed = parse_lines(data)
    return offset + parsed.good, parsed.events


class OpenCalls:
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
