"""sys.settrace backend (3.11): installed in debuggee threads only, filtered per code object.

The global trace function answers a 'call' with None for code that holds no breakpoint (so it gets no line
events), and with the local tracer where breakpoints, a function breakpoint, stepping or the "raised" filter
need it. Frames already running are reached through `frame.f_trace`.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType
from typing import Any

from .base import TraceCore


class SettraceBackend:
    def __init__(self, core: TraceCore) -> None:
        self.core = core
        self._want: dict[CodeType, bool] = {}
        self._watched: list[FrameType] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        pass

    def uninstall(self) -> None:
        sys.settrace(None)
        with self._lock:
            for f in self._watched:
                f.f_trace = None
            self._watched.clear()

    def thread_start(self) -> None:
        sys.settrace(self._global)

    def refresh(self, live_frames: list[FrameType]) -> None:
        self._want.clear()
        for frame in live_frames:
            if self.core.wants_code(frame.f_code):
                self._attach(frame)

    def watch_frames(self, frames: list[FrameType]) -> None:
        self._want.clear()  # stepping changes what is wanted
        for frame in frames:
            self._attach(frame)

    def resume(self) -> None:
        self._want.clear()
        with self._lock:
            watched, self._watched = self._watched, []
        for f in watched:
            if not self.core.wants_code(f.f_code):
                f.f_trace = None

    def _attach(self, frame: FrameType) -> None:
        frame.f_trace_lines = True
        frame.f_trace = self._local
        with self._lock:
            self._watched.append(frame)

    # -- callbacks (hot) ---------------------------------------------------------------------------------
    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        core = self.core
        code = frame.f_code
        want = self._want.get(code)
        if want is None or core.busy:
            want = core.wants_code(code)
            if not core.busy:
                self._want[code] = want
        if not want and not (core.trace_raises and core.wants_raises(code)):
            return None
        core.on_start(frame)
        return self._local

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.core.on_line(frame, frame.f_lineno)
        elif event == "exception" and self.core.trace_raises:
            self.core.on_raise(frame, arg[1])
        elif event == "return":
            self.core.on_return(frame)
        return self._local
