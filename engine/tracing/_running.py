"""Frames that already run code without the hooks they now need (the bytecode backend, 3.11).

`frame.f_code` cannot be swapped, so a frame that was running when a breakpoint was set in its code gets
`frame.f_trace` instead, and its thread a trace function until the frame returns (`_attach_old_frames`). The same
goes for:

- a module body that another loader runs (`exec` of its own compile): seen at its `exec` (`_executing`), its
  thread traces until that frame starts (`_attach_new`);
- a running module body that still makes functions and classes from its own constants, without hooks: while it
  runs, each of its lines looks for them in its globals and puts the patched code on them (`_adopt`);
- suspended generators and coroutines, which keep the code they were made with (`_attach_suspended`, one heap
  scan when breakpoints change): whichever thread resumes them must trace.

`RunningFrames` is the part of `BytecodeBackend` that does this; the backend owns the tables it works on.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterable
from types import AsyncGeneratorType, CodeType, CoroutineType, FrameType, FunctionType, GeneratorType
from typing import Any

from ._codes import BreakpointConfig, is_function, own_lines
from ._patches import CodePatches
from .base import TraceCore

_get_ident = threading.get_ident


class RunningFrames:
    core: TraceCore
    _lock: threading.RLock
    _config: BreakpointConfig
    _patches: CodePatches
    _old_frames: dict[int, set[FrameType]]  # thread -> frames that need f_trace for breakpoints
    _watched: dict[int, set[FrameType]]  # thread -> frames watched for stepping / pausing
    # id(running module frame) -> (frame, {id(unpatched function code): patched}, its own lines need f_trace)
    _pending: dict[int, tuple[FrameType, dict[int, CodeType], bool]]
    _suspended: dict[
        int, FrameType
    ]  # suspended generator/coroutine frames running old code that need f_trace
    _entering: dict[int, dict[int, CodeType]]  # thread -> module bodies about to run that need f_trace

    def prepare(self, code: CodeType) -> CodeType:
        raise NotImplementedError

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        raise NotImplementedError

    def _trace_on(self, ident: int) -> None:
        raise NotImplementedError

    def _give_trace(self, frame: FrameType, table: dict[int, set[FrameType]], ident: int) -> None:
        """The running frame reports its lines to `_local`; kept in `table` under its thread."""
        frame.f_trace_lines = True
        frame.f_trace = self._local
        table.setdefault(ident, set()).add(frame)

    def _attach_old_frames(self, live_frames: list[FrameType]) -> None:
        """Frames already running code without the hooks they now need get `f_trace` instead.

        A module body that is still running (the launched script stopped on entry, say) also makes functions
        and classes from its own constants, without hooks: while it runs, each of its lines looks for them in
        its globals and puts the patched code on them.
        """
        watched = {id(f) for fs in self._watched.values() for f in fs}
        for frames in self._old_frames.values():
            for f in frames:
                if id(f) not in watched:
                    f.f_trace = None
        self._old_frames.clear()
        self._pending.clear()
        raises = self.core.trace_raises  # running frames must report their raises too
        if not live_frames or (self._config.empty and not raises):
            return
        owners: dict[int, int] | None = None
        for frame in live_frames:
            code = frame.f_code
            needs_lines = self._needs_f_trace(code)
            pending = self._nested_pending(code) if code.co_name == "<module>" else {}
            if not needs_lines and not pending and not (raises and self.core.wants_raises(code)):
                continue
            if owners is None:
                owners = frame_owners(live_frames, self.core.debuggee_idents)
            ident = owners.get(id(frame))
            if ident is None:
                continue
            self._give_trace(frame, self._old_frames, ident)
            if pending:
                self._pending[id(frame)] = (frame, pending, needs_lines)
                self._adopt(frame, ident)  # what it has made already; the rest at its next lines

    def _executing(self, code: CodeType) -> None:
        """A module body that another loader is about to run (`exec`): if it needs hooks it cannot have, its
        thread traces until the frame starts (`_global` then gives it `f_trace`, see `_attach_new`)."""
        with self._lock:
            if self._patches.is_patched(code):
                return  # patched by us already (our finder, the launched script)
            if self.prepare(code) is code:
                return  # nothing in it needs hooks
            ident = _get_ident()
            if ident not in self.core.debuggee_idents:
                return
            self._entering.setdefault(ident, {})[id(code)] = code
        self._trace_on(ident)

    def _attach_new(self, frame: FrameType, ident: int) -> bool:
        """A module body run by another loader starts (see `_executing`): like a frame of old code, it gets
        `f_trace` for its own breakpoint lines, and patched code on the functions and methods it makes."""
        code = frame.f_code
        bps = self._config.lines_of(code)
        needs_lines = bool(bps and own_lines(code) & bps)
        pending = self._nested_pending(code)
        if not needs_lines and not pending:
            return False
        self._give_trace(frame, self._old_frames, ident)
        if pending:
            self._pending[id(frame)] = (frame, pending, needs_lines)
        return True

    def _attach_suspended(self) -> None:
        """Suspended generators and coroutines keep the code they were made with: those whose breakpoint
        lines have no hooks get `f_trace` (one heap scan, only when breakpoints changed)."""
        for frame in self._suspended.values():
            frame.f_trace = None
        self._suspended.clear()
        if self._config.empty:
            return
        for obj in gc.get_objects():
            kind = type(obj)
            if kind is GeneratorType:
                frame = obj.gi_frame
            elif kind is CoroutineType:
                frame = obj.cr_frame
            elif kind is AsyncGeneratorType:
                frame = obj.ag_frame
            else:
                continue
            if frame is None or getattr(obj, "gi_running", False) or getattr(obj, "cr_running", False):
                continue
            if self._needs_f_trace(frame.f_code):
                frame.f_trace_lines = True
                frame.f_trace = self._local
                self._suspended[id(frame)] = frame

    def _needs_f_trace(self, code: CodeType) -> bool:
        """Does a frame running this code miss hooks for some of the current breakpoint lines?"""
        orig, hooked = self._patches.hooked(code)
        bps = self._config.lines_of(orig, code)
        return bool(bps and (own_lines(orig) & bps) - hooked)

    def _nested_pending(self, code: CodeType) -> dict[int, CodeType]:
        """id(original function code this running code will make functions from) -> the code they need now.

        Codes that already have live functions (found by the heap scan, and patched there) are left out.
        """
        out: dict[int, CodeType] = {}
        old = self._config.old_lines
        stack = [c for c in code.co_consts if isinstance(c, CodeType)]
        while stack:
            c = stack.pop()
            orig = self._patches.original(c)
            if old is not None and old.is_old(c):
                # Code a reload replaced (an old module body still running): a patched copy would not be known
                # for old code, and its hooks would count lines as new code does. Its functions keep the hooks
                # they had; a breakpoint set since, on a line without one, does not stop them.
                continue
            if is_function(c):
                target = self.prepare(orig)
                if target is not c and id(orig) not in self._patches.seen:
                    out[id(orig)] = target
            else:  # a class body: its methods are made from its constants
                stack.extend(k for k in c.co_consts if isinstance(k, CodeType))
        return out

    def _adopt(self, frame: FrameType, ident: int) -> None:
        """Put patched code on the functions a running module body has made so far."""
        item = self._pending.get(id(frame))
        if item is None:
            return
        _, pending, needs_lines = item
        for value in list(frame.f_globals.values()):
            funcs: Iterable[Any]
            if isinstance(value, type):
                funcs = [getattr(v, "__func__", v) for v in list(vars(value).values())]
            else:
                funcs = (value, getattr(value, "__wrapped__", None))
            for func in funcs:
                if type(func) is FunctionType:
                    orig = self._patches.original(func.__code__)
                    target = pending.pop(id(orig), None)
                    if target is not None:
                        self._patches.seen[id(orig)] = orig
                        self._patches.put(func, target)
        if not pending:
            del self._pending[id(frame)]
            if not needs_lines and frame not in self._watched.get(ident, ()):
                frames = self._old_frames.get(ident)
                if frames is not None:
                    frames.discard(frame)
                    if not frames:
                        del self._old_frames[ident]
                frame.f_trace = None


def frame_owners(frames: Iterable[FrameType], idents: Iterable[int]) -> dict[int, int]:
    """id(frame) -> the thread whose stack holds it (debuggee threads only)."""
    wanted = {id(f) for f in frames}
    current = sys._current_frames()
    out: dict[int, int] = {}
    for ident in list(idents):
        f = current.get(ident)
        while f is not None:
            if id(f) in wanted:
                out[id(f)] = ident
            f = f.f_back
    return out
