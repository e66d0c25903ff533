"""Turn `sys.settrace` on or off in *another* thread (3.11).

3.12 has `sys._settraceallthreads`-style helpers and does not need this; 3.11 only sets the trace function of the
calling thread. CPython 3.11 exports `_PyEval_SetTrace(tstate, func, arg)`, which is written to be called for
another thread's state (it audits in the caller's context). We find the target thread's state by walking the
interpreter's thread list, and reuse the C trampoline that `sys.settrace` installs (read back from our own thread
state), so the other thread then behaves exactly as if it had called `sys.settrace(fn)` itself.

Everything here is checked once at start-up (layout of PyThreadState, the trampoline); if a check fails,
`available` is False and the caller falls back to asking the thread to switch tracing on by itself.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable
from typing import Any

_c_void_p = ctypes.c_void_p
_c_int = ctypes.c_int


class _ThreadState311(ctypes.Structure):
    """The head of `struct _ts` in CPython 3.11 (Include/cpython/pystate.h), up to `thread_id`."""

    _fields_ = [
        ("prev", _c_void_p),
        ("next", _c_void_p),
        ("interp", _c_void_p),
        ("_initialized", _c_int),
        ("_static", _c_int),
        ("recursion_remaining", _c_int),
        ("recursion_limit", _c_int),
        ("recursion_headroom", _c_int),
        ("tracing", _c_int),
        ("tracing_what", _c_int),
        ("cframe", _c_void_p),
        ("c_profilefunc", _c_void_p),
        ("c_tracefunc", _c_void_p),
        ("c_profileobj", _c_void_p),
        ("c_traceobj", _c_void_p),
        ("curexc_type", _c_void_p),
        ("curexc_value", _c_void_p),
        ("curexc_traceback", _c_void_p),
        ("exc_info", _c_void_p),
        ("dict", _c_void_p),
        ("gilstate_counter", _c_int),
        ("async_exc", _c_void_p),
        ("thread_id", ctypes.c_ulong),
    ]


class ThreadTracer:
    # the C API's functions (ctypes), found on 3.11 only
    _get: Any
    _head: Any
    _next: Any
    _set: Any

    def __init__(self) -> None:
        self.available = False
        self._trampoline = 0
        self._interp = 0
        self._keep: dict[int, Callable[..., Any]] = {}
        if sys.version_info[:2] != (3, 11):
            return
        try:
            api = ctypes.pythonapi
            self._get = api.PyThreadState_Get
            self._get.restype = _c_void_p
            self._head = api.PyInterpreterState_ThreadHead
            self._head.restype = _c_void_p
            self._head.argtypes = [_c_void_p]
            self._next = api.PyThreadState_Next
            self._next.restype = _c_void_p
            self._next.argtypes = [_c_void_p]
            self._set = api._PyEval_SetTrace
            self._set.restype = _c_int
            self._set.argtypes = [_c_void_p, _c_void_p, _c_void_p]
            me = _ThreadState311.from_address(self._get())
            if me.thread_id != threading.get_ident():
                return
            previous = sys.gettrace()

            def probe(frame: Any, event: str, arg: Any) -> None:
                return None

            sys.settrace(probe)
            try:
                if me.c_traceobj != id(probe):
                    return
                self._trampoline = me.c_tracefunc
            finally:
                sys.settrace(previous)
            self._interp = me.interp
            self.available = bool(self._trampoline and self._interp)
        except (AttributeError, ValueError, OSError):
            self.available = False

    def _tstate(self, ident: int) -> int:
        ts: int | None = self._head(self._interp)
        while ts:
            if _ThreadState311.from_address(ts).thread_id == ident:
                return ts
            ts = self._next(ts)
        return 0

    def set(self, ident: int, fn: Callable[..., Any] | None) -> bool:
        """Set (or clear, with None) the trace function of the thread `ident`. False if that thread is gone."""
        if ident == threading.get_ident():
            sys.settrace(fn)
            return True
        if not self.available:
            return False
        ts = self._tstate(ident)
        if not ts:
            return False
        if fn is None:
            self._set(ts, None, None)
            self._keep.pop(ident, None)
        else:
            self._keep[ident] = fn  # _PyEval_SetTrace takes its own reference; this one is belt and braces
            self._set(ts, self._trampoline, id(fn))
        return True

    def get(self, ident: int) -> bool:
        """Does the thread `ident` have a trace function now?"""
        if not self.available:
            return False
        ts = self._tstate(ident)
        return bool(ts) and bool(_ThreadState311.from_address(ts).c_tracefunc)
