"""The frame table: the ids a front end names a stopped program's frames by, and what each frame shows.

Ids are handed out while the program is stopped and stay valid until it resumes (the session clears the table
then). The table takes no lock of its own: the session reads and writes it under its parking lock.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from . import launch
from .sources import canonical, is_own_file, is_user_file
from .tracing._codes import own_lines


@dataclass
class FrameInfo:
    id: int
    name: str
    path: str
    line: int
    user: bool
    thread_id: int
    old_code: bool = False  # still running code that a reload replaced

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "line": self.line,
            "column": 1,
            "source": {"path": self.path, "name": os.path.basename(self.path)},
        }
        if not self.user:
            d["presentationHint"] = "subtle"
        if self.old_code:
            d["presentationHint"] = "label" if not self.user else "normal"
            d["name"] = f"{self.name} [old code]"
        return d


def program_stack(frame: FrameType | None) -> list[tuple[FrameType, int]]:
    """The frames from `frame` down to the program's first (the front end's own frames below it are cut), each
    with the line it is on."""
    out = []
    while frame is not None and frame.f_code is not _LAUNCH_CODE:
        out.append((frame, frame.f_lineno))
        frame = frame.f_back
    return out


_LAUNCH_CODE = launch.run.__code__


def program_frames(idents: Iterable[int], skip: int | None = None) -> list[FrameType]:
    """The running frames of the threads `idents` (but `skip`), without the debugger's own frames."""
    current = sys._current_frames()
    return [
        f
        for ident in list(idents)
        if ident != skip and ident in current
        for f, _ in program_stack(current[ident])
        if not is_own_file(f.f_code.co_filename)
    ]


class FrameTable:
    """Frame id -> (frame, the line it stands on, its thread)."""

    def __init__(self) -> None:
        self._ids: dict[int, tuple[FrameType, int, int]] = {}
        self._seq = itertools.count(1)

    def clear(self) -> None:
        self._ids.clear()

    def id_of(self, frame: FrameType, line: int, thread_id: int) -> int:
        for fid, (f, _, _) in self._ids.items():
            if f is frame:
                return fid
        fid = next(self._seq)
        self._ids[fid] = (frame, line, thread_id)
        return fid

    def frame(self, frame_id: int) -> FrameType:
        try:
            return self._ids[frame_id][0]
        except KeyError:
            raise KeyError(f"frame {frame_id} is gone (the program moved on)") from None

    def frame_and_thread(self, frame_id: int) -> tuple[FrameType, int]:
        frame, _, tid = self._ids[frame_id]
        return frame, tid

    def thread_of(self, frame: FrameType) -> int | None:
        return next((t for f, _, t in self._ids.values() if f is frame), None)

    def moved(self, frame: FrameType, line: int) -> None:
        """Edit and continue moved `frame` to `line`."""
        for fid, (f, _, ident) in list(self._ids.items()):
            if f is frame:
                self._ids[fid] = (f, line, ident)

    def describe(
        self,
        frames: list[tuple[FrameType, int]],
        thread_id: int,
        *,
        shown: FrameType | None,
        just_my_code: bool,
        runs_old_code: Callable[[FrameType], bool],
    ) -> list[FrameInfo]:
        """A stopped thread's frames as the front end shows them, numbered; the debugger's own are left out,
        and with `just_my_code` library frames too, but `shown` (the frame the user asked to stop in)."""
        result = []
        for frame, line in frames:
            path = frame.f_code.co_filename
            if is_own_file(path):
                continue
            user = is_user_file(path)
            if just_my_code and not user and frame is not shown:
                continue
            result.append(
                FrameInfo(
                    self.id_of(frame, line, thread_id),
                    frame.f_code.co_qualname,
                    canonical(path) if not path.startswith("<") else path,
                    line,
                    user,
                    thread_id,
                    old_code=runs_old_code(frame),
                )
            )
        return result


def runs_in_maker(frame: FrameType, line: int) -> bool:
    """Is this comprehension frame's line also a line of the frame that made the comprehension (found up the
    stack: a generator is run by whoever consumes it)? Then that frame is where the user sees the line."""
    code = frame.f_code
    maker = frame.f_back
    while maker is not None and not any(c is code for c in maker.f_code.co_consts):
        maker = maker.f_back
    return maker is not None and line in own_lines(maker.f_code)
