"""sys.monitoring backend (3.12+): local line events only where breakpoints or stepping need them."""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType

from .base import TraceCore

mon = sys.monitoring  # type: ignore[attr-defined]
E = mon.events
DISABLE = mon.DISABLE
_get_ident = threading.get_ident
_getframe = sys._getframe


class MonitoringBackend:
    def __init__(self, core: TraceCore) -> None:
        self.core = core
        self.tool = -1
        self._bp_codes: set[CodeType] = set()  # codes with LINE enabled for breakpoints
        self._extra_codes: set[CodeType] = set()  # codes with LINE enabled for stepping/pausing
        self._lock = threading.Lock()

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
        reg(self.tool, E.PY_RESUME, self._py_start)
        reg(self.tool, E.LINE, self._line)
        reg(self.tool, E.RAISE, self._raise)
        self._set_global()

    def uninstall(self) -> None:
        if self.tool < 0:
            return
        mon.set_events(self.tool, 0)
        for code in self._bp_codes | self._extra_codes:
            try:
                mon.set_local_events(self.tool, code, 0)
            except ValueError:
                pass
        for ev in (E.PY_START, E.PY_RESUME, E.LINE, E.RAISE):
            mon.register_callback(self.tool, ev, None)
        mon.free_tool_id(self.tool)
        self.tool = -1

    def thread_start(self) -> None:
        pass

    def _set_global(self) -> None:
        events = E.PY_START | E.PY_RESUME
        if self.core.trace_raises:
            events |= E.RAISE
        mon.set_events(self.tool, events)

    # -- control -----------------------------------------------------------------------------------------
    def _enable(self, code: CodeType, extra: bool) -> None:
        with self._lock:
            (self._extra_codes if extra else self._bp_codes).add(code)
            mon.set_local_events(self.tool, code, E.LINE)

    def refresh(self, live_frames: list[FrameType]) -> None:
        with self._lock:
            for code in self._bp_codes - self._extra_codes:
                mon.set_local_events(self.tool, code, 0)
            self._bp_codes.clear()
        for frame in live_frames:
            if self.core.wants_code(frame.f_code):
                self._enable(frame.f_code, extra=False)
        self._set_global()
        mon.restart_events()

    def watch_frames(self, frames: list[FrameType]) -> None:
        for frame in frames:
            self._enable(frame.f_code, extra=True)
        mon.restart_events()

    def resume(self) -> None:
        with self._lock:
            for code in self._extra_codes - self._bp_codes:
                mon.set_local_events(self.tool, code, 0)
            self._extra_codes.clear()
        self._set_global()
        mon.restart_events()

    # -- callbacks (hot) ---------------------------------------------------------------------------------
    def _py_start(self, code: CodeType, offset: int) -> object:
        core = self.core
        if core.wants_code(code):
            busy = core.busy
            if code not in self._bp_codes and code not in self._extra_codes:
                self._enable(code, extra=busy)
            if offset == 0 and _get_ident() in core.debuggee_idents:
                core.on_start(_getframe(1))
            # Line events are on locally now; the start event is needed again only for a function breakpoint
            # (on_start) or while stepping/pausing.
            if busy or core.busy or self._needs_start(code):
                return None
        return None if core.busy else DISABLE

    def _needs_start(self, code: CodeType) -> bool:
        functions = getattr(getattr(self.core, "breakpoints", None), "functions", None)
        return bool(functions) and any(
            (bp.function or "").rsplit(".", 1)[-1] == code.co_name for bp in functions
        )

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
