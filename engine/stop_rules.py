"""Where the program stops: the session's answers to the tracing callbacks (the backends' `TraceCore`).

The tracing backends (engine/tracing) call these on debuggee threads, from inside their callbacks, for every
line event they let through, so the lookups are plain attributes and dicts. A line stops the program when the
run demands it (park beside a stopped thread, pause, end), when a step is done, when a function breakpoint's
function starts, or when a line breakpoint passes its condition; the stop itself is the session's
(`DebugSession.stop_at`). Which files count ("shown") follows the session's `just_my_code`.
"""

from __future__ import annotations

import threading
from types import CodeType, FrameType
from typing import TYPE_CHECKING

from .breakpoints import Breakpoint, passes
from .events import Output
from .frames import program_stack, runs_in_maker
from .parking import Step, Terminate
from .program import exc_text
from .runstate import Demand
from .sources import canonical, is_own_file, is_user_file
from .tracing import COMPREHENSIONS

if TYPE_CHECKING:
    from .session import DebugSession

_get_ident = threading.get_ident

_PARK, _PAUSE = Demand.PARK, Demand.PAUSE


class StopRules:
    """The `TraceCore` the session hands its tracing backend."""

    def __init__(self, session: DebugSession) -> None:
        self.session = session
        self.debuggee_idents = session.debuggee_idents
        self.breakpoints = session.breakpoints
        self.old_lines = (
            session.old_lines
        )  # breakpoint lines in code a reload replaced (read by the backends)
        self.demand: Demand | None = None  # the run's demand, published by its transitions
        self.pending_functions: dict[FrameType, Breakpoint] = {}  # function breakpoints whose frame started
        self._run = session.run
        self._parking = session.parking
        self._steps = session.parking.steps
        self._stops = session.parking.stops
        self._in_debugger = session.parking.in_debugger
        self._quiet = session.threads.quiet
        self._stop = session.stop_at
        self._last_raise: int | None = None

    # -- what the backends ask ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.demand is not None or bool(self._steps) or bool(self.pending_functions)

    @property
    def trace_raises(self) -> bool:
        return "raised" in self.session.exception_filters

    def wants_code(self, code: CodeType) -> bool:
        filename = code.co_filename
        bps = self.breakpoints.by_path.get(canonical(filename)) if filename[:1] != "<" else None
        if bps:
            first = code.co_firstlineno
            if any(line >= first for line in bps):
                return True
        if self.breakpoints.functions and self.breakpoints.function_match(code, None) is not None:
            return True
        if self.demand is not None or self._run.into:
            return self.is_shown(filename)
        return False

    def wants_raises(self, code: CodeType) -> bool:
        """Should raises in this code stop (the "raised" filter is on and the code is shown)?"""
        return self.is_shown(code.co_filename)

    # -- the callbacks ------------------------------------------------------------------------------------
    def on_start(self, frame: FrameType) -> None:
        if self.breakpoints.functions and _get_ident() not in self._in_debugger:
            bp = self.breakpoints.function_match(frame.f_code, frame.f_globals.get("__name__"))
            if bp is not None:
                self.pending_functions[frame] = bp

    def on_line(self, frame: FrameType, line: int) -> bool:
        ident = _get_ident()
        if ident in self._in_debugger:
            return True
        demand = self.demand
        if demand is not None:
            if demand is _PARK:
                self._parking.park_quietly(frame)
            elif demand is _PAUSE:
                if self.is_shown(frame.f_code.co_filename):
                    self._stop(frame, "pause")
            elif self._in_engine(ident, frame) or not self._parking.terminate_now(ident):
                return True  # the end is on its way up this thread: let its `finally` blocks run
            else:
                raise Terminate(1)
            return True
        step = self._steps.get(ident)
        if step is not None and self._step_done(step, frame):
            self._stop(frame, step.reason)
            return True
        if self.pending_functions:
            bp = self.pending_functions.pop(frame, None)
            if bp is not None and passes(bp, frame, self._console):
                self._stop(frame, "function breakpoint", bp)
                return True
        return self._at_breakpoint(frame, line)

    def _at_breakpoint(self, frame: FrameType, line: int) -> bool:
        path = canonical(frame.f_code.co_filename)
        bps = self.breakpoints.by_path.get(path)
        if not bps:
            return self.busy
        if path in self.old_lines.paths:  # a reloaded file: old code counts lines in its old text
            line = self.old_lines.current_line(frame.f_code, path, line) or 0
        bp = bps.get(line)
        if bp is None:
            return self.busy
        if bp.temporary and bp.run is not self.session.program_thread:  # a run-to-line of an earlier run
            self.breakpoints.remove_temporaries()
            return True
        if frame.f_code.co_name in COMPREHENSIONS and runs_in_maker(frame, line):
            return self.busy  # the frame that runs the line stops (once), not each iteration
        if passes(bp, frame, self._console):
            self._stop(frame, "breakpoint", bp)
        return True

    def on_return(self, frame: FrameType) -> None:
        """The frame returns. A step over/out of it stops in its caller, on the line of the call."""
        ident = _get_ident()
        step = self._steps.get(ident)
        if step is None or step.frame is not frame or step.mode == "into" or ident in self._in_debugger:
            return
        callers = program_stack(frame.f_back)  # never below the program's first frame (the front end's own)
        shown = next((i for i, (f, _) in enumerate(callers) if self.is_shown(f.f_code.co_filename)), None)
        if shown is None:
            return
        self._stop(callers[shown][0], step.reason, frames=callers[shown:])

    def on_raise(self, frame: FrameType, exc: BaseException) -> None:
        if _get_ident() in self._in_debugger or isinstance(
            exc, (StopIteration, StopAsyncIteration, GeneratorExit)
        ):
            return
        if id(exc) == self._last_raise or not self.is_shown(frame.f_code.co_filename):
            return
        self._last_raise = id(exc)
        self._stop(frame, "exception", text=exc_text(exc))

    # -- decisions ----------------------------------------------------------------------------------------
    def is_shown(self, filename: str) -> bool:
        """Does the front end show this file's frames (and so may the program stop in it)?"""
        if self.session.just_my_code:
            return is_user_file(filename)
        return not is_own_file(filename) and not filename.startswith("<frozen")

    def _in_engine(self, ident: int, frame: FrameType) -> bool:
        """Is this line the engine's, or one of a library the engine calls while the thread is parked or tells
        the front end an event (threading's wait, the front end's writer)? The end is never raised there: a
        parked thread raises it itself (`Parking.park`)."""
        return is_own_file(frame.f_code.co_filename) or ident in self._stops or ident in self._quiet

    def _step_done(self, step: Step, frame: FrameType) -> bool:
        if not self.is_shown(frame.f_code.co_filename):
            return False
        if step.reason == "entry" and frame.f_globals.get("__name__") != "__main__":
            return False  # `-m pkg` runs pkg/__init__.py first: the entry is the launched module's first line
        if step.mode == "into":
            return True
        if frame is step.frame:
            return step.mode == "over"
        f = frame.f_back
        while f is not None:
            if f is step.frame:
                return False  # deeper than the step frame
            f = f.f_back
        return True  # the step frame has returned: we are in a caller

    def _console(self, text: str) -> None:
        self.session.emit(Output("console", text))
