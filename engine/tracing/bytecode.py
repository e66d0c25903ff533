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

The hook calls `core.on_line(frame, line)`, so conditions, hit counts and log points work as with the other
backends. Removing every breakpoint of a code object puts the original code object back.
"""

from __future__ import annotations

import dis
import gc
import sys
import threading
import weakref
from collections.abc import Iterable
from types import AsyncGeneratorType, CodeType, CoroutineType, FrameType, FunctionType, GeneratorType
from typing import Any

from ._codes import COMPREHENSIONS, BreakpointConfig, CodeHooks, is_function, own_lines
from ._hooks import inject_hooks
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


class BytecodeBackend:
    def __init__(self, core: TraceCore) -> None:
        self.core = core
        self._lock = threading.RLock()
        self._config = BreakpointConfig()
        self._cache: dict[int, tuple[CodeType, CodeType]] = {}  # id(original) -> (original, patched)
        self._orig: dict[
            int, tuple[CodeType, CodeType, frozenset[int]]
        ] = {}  # id(patched) -> (p, orig, lines)
        self._funcs: dict[int, tuple[weakref.ref[FunctionType], CodeType]] = {}  # id(func) -> (ref, patched)
        self._old_frames: dict[int, set[FrameType]] = {}  # thread -> frames that need f_trace for breakpoints
        self._watched: dict[int, set[FrameType]] = {}  # thread -> frames watched for stepping / pausing
        # id(running module frame) -> (frame, {id(unpatched function code): patched}, its own lines need f_trace)
        self._pending: dict[int, tuple[FrameType, dict[int, CodeType], bool]] = {}
        self._traced: set[int] = set()  # threads we switched settrace on in
        # suspended generator/coroutine frames running old code that need f_trace: whichever thread resumes
        # them must trace, so while there are any, every debuggee thread does
        self._suspended: dict[int, FrameType] = {}
        self._eager: set[int] = set()  # threads started while pausing/stopping: trace them from the start
        # original codes that live functions were found for (held, so their ids stay theirs)
        self._seen: dict[int, CodeType] = {}
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
            self._cache.clear()
            for ref, patched in self._funcs.values():
                func = ref()
                if func is not None and func.__code__ is patched:
                    func.__code__ = self._orig[id(patched)][1]
            self._funcs.clear()
            self._orig.clear()
            self._seen.clear()
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
                self._cache.clear()
            if changes:
                self._repatch(changes.functions(self._original))
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

    def rescan(self, live_frames: list[FrameType]) -> None:
        with self._lock:
            self._config = (
                BreakpointConfig()
            )  # as if no file had breakpoints: every file's functions are found
        self.refresh(live_frames)

    def watch_frames(self, frames: list[FrameType]) -> None:
        owners = _owners(frames, self.core.debuggee_idents)
        with self._lock:
            for frame in frames:
                ident = owners.get(id(frame))
                if ident is None:
                    continue
                frame.f_trace_lines = True
                frame.f_trace = self._local
                self._watched.setdefault(ident, set()).add(frame)
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
    def _repatch(self, funcs: list[FunctionType]) -> None:
        """Put the right code on these live functions (the functions of the files whose breakpoints changed)."""
        for func in funcs:
            code = func.__code__
            orig = self._original(code)
            self._seen[id(orig)] = orig
            new = self.prepare(orig)
            if new is not code:
                func.__code__ = new
            if new is not orig:
                self._funcs[id(func)] = (weakref.ref(func), new)
            else:
                self._funcs.pop(id(func), None)

    def _original(self, code: CodeType) -> CodeType:
        entry = self._orig.get(id(code))
        return entry[1] if entry is not None and entry[0] is code else code

    def prepare(self, code: CodeType) -> CodeType:
        """The code object with the hooks the current breakpoints need (the same object if it needs none)."""
        config = self._config
        if config.empty:
            return code
        with self._lock:
            return self._patch_tree(code, config)

    def _patch_tree(
        self, code: CodeType, config: BreakpointConfig, parent: CodeType | None = None
    ) -> CodeType:
        cached = self._cache.get(id(code))
        if cached is not None and cached[0] is code:
            return cached[1]
        consts: dict[int, CodeType] = {}
        for c in code.co_consts:
            if isinstance(c, CodeType):
                nc = self._patch_tree(c, config, code)
                if nc is not c:
                    consts[id(c)] = nc
        bps = config.lines_of(code)
        hook_lines = (own_lines(code) & bps) if bps else set()
        if hook_lines and parent is not None and code.co_name in COMPREHENSIONS:
            hook_lines -= own_lines(parent)  # the line stops once, in the frame that runs the comprehension
        entry = code.co_name in config.names and is_function(code)
        if hook_lines or entry:
            new = inject_hooks(code, hook_lines, entry, consts, _Active.line_hook, _Active.entry_hook)
        elif consts:
            new = code.replace(co_consts=tuple(consts.get(id(c), c) for c in code.co_consts))
        else:
            new = code
        if new is not code:
            self._orig[id(new)] = (new, code, frozenset(hook_lines))
        self._cache[id(code)] = (code, new)
        return new

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
            entry = self._orig.get(id(code))
            orig, hooked = (
                (entry[1], entry[2]) if entry is not None and entry[0] is code else (code, frozenset())
            )
            bps = self._config.lines_of(orig, code)
            needs_lines = bool(bps and (own_lines(orig) & bps) - hooked)
            pending = self._nested_pending(code) if code.co_name == "<module>" else {}
            if not needs_lines and not pending and not (raises and self.core.wants_raises(code)):
                continue
            if owners is None:
                owners = _owners(live_frames, self.core.debuggee_idents)
            ident = owners.get(id(frame))
            if ident is None:
                continue
            frame.f_trace_lines = True
            frame.f_trace = self._local
            self._old_frames.setdefault(ident, set()).add(frame)
            if pending:
                self._pending[id(frame)] = (frame, pending, needs_lines)
                self._adopt(frame, ident)  # what it has made already; the rest at its next lines

    def _executing(self, code: CodeType) -> None:
        """A module body that another loader is about to run (`exec`): if it needs hooks it cannot have, its
        thread traces until the frame starts (`_global` then gives it `f_trace`, see `_attach_new`)."""
        with self._lock:
            entry = self._orig.get(id(code))
            if entry is not None and entry[0] is code:
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
        frame.f_trace_lines = True
        frame.f_trace = self._local
        self._old_frames.setdefault(ident, set()).add(frame)
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
        entry = self._orig.get(id(code))
        orig, hooked = (entry[1], entry[2]) if entry is not None and entry[0] is code else (code, frozenset())
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
            orig = self._original(c)
            if old is not None and old.is_old(c):
                # Code a reload replaced (an old module body still running): a patched copy would not be known
                # for old code, and its hooks would count lines as new code does. Its functions keep the hooks
                # they had; a breakpoint set since, on a line without one, does not stop them.
                continue
            if is_function(c):
                target = self.prepare(orig)
                if target is not c and id(orig) not in self._seen:
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
                    orig = self._original(func.__code__)
                    target = pending.pop(id(orig), None)
                    if target is not None:
                        self._seen[id(orig)] = orig
                        if func.__code__ is not target:
                            func.__code__ = target
                            self._funcs[id(func)] = (weakref.ref(func), target)
        if not pending:
            del self._pending[id(frame)]
            if not needs_lines and frame not in self._watched.get(ident, ()):
                frames = self._old_frames.get(ident)
                if frames is not None:
                    frames.discard(frame)
                    if not frames:
                        del self._old_frames[ident]
                frame.f_trace = None

    # -- hooks and trace functions (hot) -----------------------------------------------------------------
    def _line_hook(self, line: int) -> None:
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

    def _entry_hook(self, line: int) -> None:
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


def _owners(frames: Iterable[FrameType], idents: Iterable[int]) -> dict[int, int]:
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


class _Active:
    """The backend the hooks report to. The hooks are constants in patched code, so they must outlive a
    backend: they look the current one up here."""

    backend: BytecodeBackend | None = None

    @staticmethod
    def line_hook(line: int) -> None:
        backend = _Active.backend
        if backend is not None:
            backend._line_hook(line)

    @staticmethod
    def entry_hook(line: int) -> None:
        backend = _Active.backend
        if backend is not None:
            backend._entry_hook(line)
