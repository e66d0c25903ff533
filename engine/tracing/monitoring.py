"""sys.monitoring backend (3.12+): local events only on the code objects that breakpoints or stepping need.

While the program just runs there are no global events at all:

- LINE is enabled locally (`set_local_events`) on the code objects that hold breakpoint lines; the first event of
  every other line of those code objects returns DISABLE, so only the breakpoint lines keep costing (and only
  when they run).
- PY_START is enabled locally on the functions a function breakpoint names.
- The code objects are found by one heap scan of the function objects of a file when its breakpoint lines are
  set or changed (code objects are shared by every function made from them, and nested ones are reached through
  `co_consts`); after a hot reload of a file that holds breakpoints, through the reload's code index instead (no
  heap scan); by the frames already running; and, for modules imported later and the launched script, before
  they run (`_codes.CodeHooks`: our import hook, or the `exec` of a module body that another loader runs; the
  local events are set on the code object before its frame starts, so nothing more is needed there).
- Global PY_START/PY_RESUME only while stepping, pausing or stopping (step into needs new code to report), and
  global RAISE only while the "raised" filter is on.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType

from ._codes import BreakpointConfig, CodeHooks, is_function, own_lines, walk
from .base import TraceCore

mon = sys.monitoring  # type: ignore[attr-defined, unused-ignore]  # sys.monitoring: 3.12+
E = mon.events
DISABLE = mon.DISABLE
_get_ident = threading.get_ident
_getframe = sys._getframe


class MonitoringBackend:
    def __init__(self, core: TraceCore) -> None:
        self.core = core
        self.tool = -1
        self._config = BreakpointConfig()
        self._bp: dict[int, tuple[CodeType, int]] = {}  # id(code) -> (code, local events for breakpoints)
        self._extra: dict[int, CodeType] = {}  # codes with LINE enabled for stepping/pausing
        self._lock = threading.RLock()
        self._hooks = CodeHooks(self.prepare, lambda: self._config, self.prepare)
        self._global = -1

    # -- life cycle --------------------------------------------------------------------------------------
    def install(self) -> None:
        for tool in (mon.DEBUGGER_ID, 3, 4, 1):
            if mon.get_tool(tool) is None:
                mon.use_tool_id(tool, "dapper-tui")
                self.tool = tool
                break
        else:
            raise RuntimeError("sys.monitoring has no free tool id (another debugger is active?)")
        reg = mon.register_callback
        reg(self.tool, E.PY_START, self._py_start)
        reg(self.tool, E.PY_RESUME, self._py_resume)
        reg(self.tool, E.LINE, self._line)
        reg(self.tool, E.PY_RETURN, self._return)
        reg(self.tool, E.RAISE, self._raise)
        self._hooks.install()
        self._set_global()

    def uninstall(self) -> None:
        if self.tool < 0:
            return
        self._hooks.uninstall()
        mon.set_events(self.tool, 0)
        with self._lock:
            codes = [c for c, _ in self._bp.values()] + list(self._extra.values())
            self._bp.clear()
            self._extra.clear()
            self._config = BreakpointConfig()
        for code in codes:
            try:
                mon.set_local_events(self.tool, code, 0)
            except ValueError:
                pass
        for ev in (E.PY_START, E.PY_RESUME, E.LINE, E.PY_RETURN, E.RAISE):
            mon.register_callback(self.tool, ev, None)
        mon.free_tool_id(self.tool)
        self.tool = -1

    def thread_start(self) -> None:
        pass

    def _set_global(self) -> None:
        core = self.core
        events = E.PY_START | E.PY_RESUME if core.busy else 0
        if core.trace_raises:
            events |= E.RAISE
        if events != self._global:
            self._global = events
            mon.set_events(self.tool, events)

    # -- which code objects -------------------------------------------------------------------------------
    def _bp_events(self, code: CodeType) -> int:
        config = self._config
        events = 0
        bps = config.lines_of(code)
        if bps and not bps.isdisjoint(own_lines(code)):
            events |= E.LINE
        if config.names and code.co_name in config.names and is_function(code):
            events |= E.PY_START
        return events

    def _apply(self, code: CodeType) -> None:
        """Set the code object's local events from the breakpoints (plus LINE if stepping needs it)."""
        events = self._bp_events(code)
        key = id(code)
        had = self._bp.get(key)
        if events:
            self._bp[key] = (code, events)
        elif had is not None:
            del self._bp[key]
        elif key not in self._extra:
            return  # never had events: leave it alone
        if key in self._extra:
            events |= E.LINE | E.PY_RETURN
        mon.set_local_events(self.tool, code, events)

    def prepare(self, code: CodeType) -> CodeType:
        """A code object about to run for the first time (a module imported later, the launched script)."""
        if self.tool < 0 or self._config.empty:
            return code
        with self._lock:
            for c in walk(code):
                self._apply(c)
        return code

    # -- control -----------------------------------------------------------------------------------------
    def refresh(self, live_frames: list[FrameType]) -> None:
        config = BreakpointConfig(self.core)
        with self._lock:
            # lines changed (a heap scan finds the files' functions), or the file was hot-reloaded since (the
            # reload's code index has them)
            changes = config.changes(self._config)
            self._config = config
            if changes:
                stale = [c for c, _ in self._bp.values()]
                codes = {id(c): c for c in stale}
                for func in changes.functions(lambda c: c):
                    for c in walk(func.__code__):
                        codes[id(c)] = c
                for c in codes.values():
                    self._apply(c)
            for frame in live_frames:
                for c in walk(frame.f_code):
                    self._apply(c)
        self._set_global()
        mon.restart_events()

    def watch_frames(self, frames: list[FrameType]) -> None:
        with self._lock:
            for frame in frames:
                code = frame.f_code
                if id(code) not in self._extra:
                    self._extra[id(code)] = code
                    events = self._bp.get(id(code), (code, 0))[1] | E.LINE | E.PY_RETURN
                    mon.set_local_events(self.tool, code, events)
        self._set_global()
        mon.restart_events()

    def resume(self) -> None:
        with self._lock:
            extra, self._extra = self._extra, {}
            for key, code in extra.items():
                mon.set_local_events(self.tool, code, self._bp.get(key, (code, 0))[1])
        self._set_global()
        mon.restart_events()

    def _enable_line(self, code: CodeType) -> None:
        with self._lock:
            key = id(code)
            if key in self._extra:
                return
            events = self._bp.get(key, (code, 0))[1]
            if events & E.LINE:
                return
            self._extra[key] = code
            mon.set_local_events(self.tool, code, events | E.LINE)

    # -- callbacks (hot) ---------------------------------------------------------------------------------
    def _py_start(self, code: CodeType, offset: int) -> object:
        return self._started(code, True)

    def _py_resume(self, code: CodeType, offset: int) -> object:
        return self._started(code, False)  # a generator or coroutine resumed: not a new call

    def _started(self, code: CodeType, call: bool) -> object:
        core = self.core
        if _get_ident() not in core.debuggee_idents:
            return None  # the front end's threads (the app's own code): never turn line events on for them
        if core.wants_code(code):
            self._enable_line(code)
            if call and _get_ident() in core.debuggee_idents:
                core.on_start(_getframe(2))
            if core.busy or self._bp.get(id(code), (code, 0))[1] & E.PY_START:
                return None  # a function breakpoint, or stepping: keep reporting starts
        return None if core.busy else DISABLE

    def _return(self, code: CodeType, offset: int, retval: object) -> object:
        if _get_ident() in self.core.debuggee_idents:
            self.core.on_return(_getframe(1))
        return None

    def _line(self, code: CodeType, line: int) -> object:
        if _get_ident() not in self.core.debuggee_idents:
            return None
        if self.core.on_line(_getframe(1), line):
            return None
        return DISABLE

    def _raise(self, code: CodeType, offset: int, exc: BaseException) -> object:
        if _get_ident() in self.core.debuggee_idents and self.core.trace_raises:
            self.core.on_raise(_getframe(1), exc)
        return None
