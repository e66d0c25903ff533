"""Bytecode backend (3.11): breakpoint hooks injected into the code objects that hold breakpoints.

There is no global trace function while the program just runs: a bare `sys.settrace` tracer alone costs ~4x on
call-heavy code in 3.11. Instead:

- Each code object that holds a breakpoint line gets a call to a hook in front of that line (with the `bytecode`
  library), and the patched code object is put on the live function objects (`func.__code__ = patched`). Parent
  code objects get their nested constants swapped, so closures and methods made later are patched too.
- Functions are found with one scan of the heap when a file's breakpoint lines are set or changed (not on every
  refresh), and after a hot reload of a file that holds breakpoints through the reload's code index (no scan).
- Modules imported later are patched before they run: a meta path finder hands their loader a `get_code` that
  patches. The launched script itself is compiled by `launch.py`, which is given a patching `compile`. A module
  body run by another loader (one ahead of ours, or `exec` of its own compile) cannot be swapped: seen at its
  `exec` (`_codes.CodeHooks.executing`), its thread traces until that frame starts, which then runs as a frame
  of old code does (`f_trace` for its own breakpoint lines, patched code put on the functions it makes).
- A function breakpoint gets an entry hook (`on_start`) plus a line hook on the function's first line.
- `settrace` is used only while it is needed, and only on the threads that need it: stepping, pausing, stopping
  all threads, the "raised" filter, and frames that were already running the old (hook-less) code when a
  breakpoint was set in them (`frame.f_code` cannot be swapped; those frames get `frame.f_trace` and their thread
  a trace function until they return). Other threads are switched on and off through `_threadtrace`.

The patched code objects and the functions that run them are kept by `_patches.CodePatches`; the frames that run
code without the hooks they need are handled by `_running.RunningFrames`, the part of this backend that gives them
`f_trace`.

The hook calls `core.on_line(frame, line)`, so conditions, hit counts and log points work as with the other
backends. Removing every breakpoint of a code object puts the original code object back.
"""

from __future__ import annotations

import dis
import sys
import threading
from types import CodeType, FrameType
from typing import Any

from ._codes import BreakpointConfig, CodeHooks
from ._patches import CodePatches
from ._running import RunningFrames, frame_owners
from ._threadtrace import ThreadTracer
from .base import TraceCore

_get_ident = threading.get_ident
_getframe = sys._getframe

_GENERATOR_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
_YIELD_VALUE = dis.opmap["YIELD_VALUE"]

_SUPPORTED: list[bool] = []


def supported() -> bool:
    """Can this interpreter run the backend (3.11, and other threads' tracing can be switched)?"""
    if not _SUPPORTED:
        _SUPPORTED.append(sys.version_info[:2] == (3, 11) and ThreadTracer().available)
    return _SUPPORTED[0]


class BytecodeBackend(RunningFrames):
    def __init__(self, core: TraceCore) -> None:
        self.core = core
        self._lock = threading.RLock()
        self._config = BreakpointConfig()
        self._patches = CodePatches(_Active.line_hook, _Active.entry_hook)
        self._old_frames: dict[int, set[FrameType]] = {}  # thread -> frames that need f_trace for breakpoints
        self._watched: dict[int, set[FrameType]] = {}  # thread -> frames watched for stepping / pausing
        # id(running module frame) -> (frame, {id(unpatched function code): patched}, its own lines need f_trace)
        self._pending: dict[int, tuple[FrameType, dict[int, CodeType], bool]] = {}
        self._traced: set[int] = set()  # threads we switched settrace on in
        # suspended generator/coroutine frames running old code that need f_trace: whichever thread resumes
        # them must trace, so while there are any, every debuggee thread does
        self._suspended: dict[int, FrameType] = {}
        self._eager: set[int] = set()  # threads started while pausing/stopping: trace them from the start
        self._threads = ThreadTracer()
        # thread -> {id(code): code} module bodies about to run (exec'd by another loader) that need f_trace
        self._entering: dict[int, dict[int, CodeType]] = {}
        self._hooks = CodeHooks(self.prepare, lambda: self._config, self._executing)
        self._installed = False

    # -- life cycle --------------------------------------------------------------------------------------
    def install(self) -> None:
        if self._installed:
            return
        self._installed = True
        _Active.backend = self
        self._hooks.install()

    def uninstall(self) -> None:
        if not self._installed:
            return
        self._installed = False
        if _Active.backend is self:
            _Active.backend = None
        self._hooks.uninstall()
        with self._lock:
            self._config = BreakpointConfig()
            self._patches.restore()
            frames = [f for fs in (*self._old_frames.values(), *self._watched.values()) for f in fs]
            frames.extend(self._suspended.values())
            self._suspended.clear()
            self._old_frames.clear()
            self._watched.clear()
            self._entering.clear()
        for f in frames:
            f.f_trace = None
        for ident in list(self._traced):
            self._threads.set(ident, None)
        self._traced.clear()

    def thread_start(self) -> None:
        ident = _get_ident()
        with self._lock:
            # What is recorded for this ident belongs to a thread that has ended (idents are reused) or to an
            # earlier run on this thread, which ended with `sys.settrace(None)`: it would keep tracing off here.
            self._traced.discard(ident)
            self._watched.pop(ident, None)
            self._old_frames.pop(ident, None)
        if self.core.busy:  # pausing or stopping: a thread started now stops at its first line too
            self._eager.add(ident)
        if self._needs_trace(ident):
            self._trace_on(ident)

    # -- control -----------------------------------------------------------------------------------------
    def refresh(self, live_frames: list[FrameType]) -> None:
        config = BreakpointConfig(self.core)
        with self._lock:
            old = self._config
            # lines changed (a heap scan finds the files' functions), or the file was hot-reloaded since (the
            # reload's code index has them)
            changes = config.changes(old)
            if changes or config.lines != old.lines or config.mtimes != old.mtimes:
                self._config = config
                self._patches.cache.clear()
            if changes:
                self._patches.repatch(changes.functions(self._patches.original), self.prepare)
                if changes.scans:
                    # Another heap scan, for suspended generators and coroutines: only when breakpoint lines
                    # were set or moved by the user (or function breakpoints changed). A reload needs none:
                    # the ones suspended in the old code keep the hooks or f_trace they had for its lines.
                    self._attach_suspended()
            self._attach_old_frames(live_frames)
            ident = _get_ident()
            if self.core.busy and ident in self.core.debuggee_idents:
                self._eager.add(ident)  # a debuggee thread about to step (stop on entry) traces itself
        self._sync_threads()

    def watch_frames(self, frames: list[FrameType]) -> None:
        owners = frame_owners(frames, self.core.debuggee_idents)
        with self._lock:
            for frame in frames:
                ident = owners.get(id(frame))
                if ident is not None:
                    self._give_trace(frame, self._watched, ident)
            idents = set(self._watched)
        for ident in idents:
            self._trace_on(ident)

    def resume(self) -> None:
        with self._lock:
            watched, self._watched = self._watched, {}
            self._eager.clear()
            keep = {id(f) for fs in self._old_frames.values() for f in fs}
        for frames in watched.values():
            for f in frames:
                if id(f) not in keep:
                    f.f_trace = None
        self._sync_threads()

    # -- which threads trace -----------------------------------------------------------------------------
    def _needs_trace(self, ident: int) -> bool:
        """Only the threads with frames to watch (stepping, pausing, stopping, frames running old code), or
        every debuggee thread while the "raised" filter is on."""
        return bool(
            self.core.trace_raises
            or self._suspended
            or self._old_frames.get(ident)
            or self._watched.get(ident)
            or ident in self._eager
            or ident in self._entering
        )

    def _trace_on(self, ident: int) -> None:
        if ident in self._traced:
            return
        if self._threads.set(ident, self._global):
            self._traced.add(ident)

    def _sync_threads(self) -> None:
        """Switch tracing on where it is needed and off where it no longer is (the rest happens lazily)."""
        core = self.core
        idents = set(core.debuggee_idents)
        everywhere = core.trace_raises
        for ident in idents:
            if everywhere or self._needs_trace(ident):
                self._trace_on(ident)
            elif ident in self._traced and self._threads.set(ident, None):
                self._traced.discard(ident)
        for ident in self._traced - idents:
            self._traced.discard(ident)

    def _trace_off_here(self, ident: int) -> None:
        sys.settrace(None)
        self._traced.discard(ident)

    # -- patching ----------------------------------------------------------------------------------------
    def original(self, code: CodeType) -> CodeType:
        """The code object a patched copy was made from (`code` itself if it is none of ours)."""
        return self._patches.original(code)

    def prepare(self, code: CodeType) -> CodeType:
        """The code object with the hooks the current breakpoints need (the same object if it needs none)."""
        config = self._config
        if config.empty:
            return code
        with self._lock:
            return self._patches.patch_tree(code, config)

    # -- hooks and trace functions (hot) -----------------------------------------------------------------
    def line_hook(self, line: int) -> None:
        core = self.core
        ident = _get_ident()
        if ident not in core.debuggee_idents:
            return
        frame = _getframe(2)
        if frame.f_trace is not None and ident in self._traced:
            return  # the trace function reports this line already
        core.on_line(frame, line)
        if ident not in self._traced and self._needs_trace(ident):
            self._trace_on(ident)  # stepping starts from here: the frames were given f_trace by watch_frames

    def entry_hook(self, line: int) -> None:
        if _get_ident() in self.core.debuggee_idents:
            self.core.on_start(_getframe(2))

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        core = self.core
        ident = _get_ident()
        entering = self._entering.get(ident)
        if entering is not None and entering.pop(id(frame.f_code), None) is frame.f_code:
            with self._lock:
                if not entering:
                    del self._entering[ident]
                attached = self._attach_new(frame, ident)
            if attached:
                return self._local
        if self._suspended and self._suspended.pop(id(frame), None) is not None:
            self._old_frames.setdefault(ident, set()).add(frame)  # resumed: running on this thread now
            return self._local
        if not self._needs_trace(ident):
            self._trace_off_here(ident)
            return None
        if not (core.busy or core.trace_raises):
            return None  # only frames already running old code need it: they have f_trace
        code = frame.f_code
        if core.wants_code(code) or (core.trace_raises and core.wants_raises(code)):
            core.on_start(frame)
            return self._local
        return None

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        core = self.core
        ident = _get_ident()
        try:
            if event == "line":
                if self._pending:
                    self._adopt(frame, ident)
                core.on_line(frame, frame.f_lineno)
            elif event == "exception":
                if core.trace_raises and core.wants_raises(frame.f_code):
                    core.on_raise(frame, arg[1])
            elif event == "return":
                if self._pending:
                    self._adopt(frame, ident)  # what its last line made (a `def` last in a module body)
                core.on_return(frame)
                if self._yields(frame) and frame in self._old_frames.get(ident, ()):
                    self._suspended[id(frame)] = frame  # suspended, not finished: it still needs f_trace
                self._forget(ident, frame)
                self._pending.pop(id(frame), None)
        except BaseException:
            self._traced.discard(ident)  # an exception out of a trace function switches tracing off
            raise
        if not self._needs_trace(ident):
            self._trace_off_here(ident)
            frame.f_trace = None
            return None
        return self._local

    @staticmethod
    def _yields(frame: FrameType) -> bool:
        """Is this 'return' a generator or coroutine suspending at a yield/await (it will be resumed)?"""
        code = frame.f_code
        if not code.co_flags & _GENERATOR_FLAGS:
            return False
        lasti = frame.f_lasti
        return 0 <= lasti < len(code.co_code) and code.co_code[lasti] == _YIELD_VALUE

    def _forget(self, ident: int, frame: FrameType) -> None:
        for table in (self._old_frames, self._watched):
            frames = table.get(ident)
            if frames is not None:
                frames.discard(frame)
                if not frames:
                    table.pop(ident, None)


class _Active:
    """The backend the hooks report to. The hooks are constants in patched code, so they must outlive a
    backend: they look the current one up here."""

    backend: BytecodeBackend | None = None

    @staticmethod
    def line_hook(line: int) -> None:
        backend = _Active.backend
        if backend is not None:
            backend.line_hook(line)

    @staticmethod
    def entry_hook(line: int) -> None:
        backend = _Active.backend
        if backend is not None:
            backend.entry_hook(line)
