"""Edit and continue in the stopped program: frames follow a reload into the new code, and restart frame.

After a reload, the frame each stopped thread is parked in (at a line event) is moved into its function's new
code at the matching statement (``framecode.plan_move``), when every check passes. Frames that keep their old
code say why: a caller waiting for a call to return, a generator, a block whose header changed, a frame too
small. ``restart`` runs the stopped frame's function again from its first line in its current code.
Moves run on the stopped thread itself (through the session's command queue), so nothing else touches that
thread while its frame is rewritten.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

from . import framecode
from .framecode import Refused, Via
from .framecode._memory import FrameMemory, slot_names
from .framecode.room import with_room
from .sources import canonical

if TYPE_CHECKING:
    from .session import DebugSession


@dataclass
class FrameReport:
    """One frame that ran old code when a reload finished: moved, or kept with the reason."""

    name: str
    line: int
    moved: bool
    new_line: int | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "line": self.line,
            "moved": self.moved,
            "newLine": self.new_line,
            "reason": self.reason,
        }

    def sentence(self) -> str:
        if self.moved:
            return f"{self.name} continues in the new code at line {self.new_line} (was line {self.line})"
        return f"{self.name} (line {self.line}) keeps its old code: {self.reason}"


def _is_old_frame_warning(text: str) -> bool:
    """The reload's own words for old-code frames, replaced by the per-frame reports."""
    return text.startswith("updateFrameCode:") or "frame(s) keep running their old code" in text


def _line_callbacks() -> dict[CodeType, Via]:
    """The tracing callbacks a parked frame can return to at a clean line boundary."""
    from .tracing import settrace

    out: dict[CodeType, Via] = {settrace.SettraceBackend._local.__code__: "line"}
    if sys.version_info >= (3, 12):
        from .tracing import monitoring

        out[monitoring.MonitoringBackend._line.__code__] = "line"
    else:
        from .tracing import bytecode

        out[bytecode.BytecodeBackend._local.__code__] = "line"
        out[bytecode._Active.line_hook.__code__] = "hook"
    return out


class FrameEditor:
    def __init__(self, session: DebugSession) -> None:
        self.session = session
        self._callbacks: dict[CodeType, Via] | None = None
        self._variants: dict[int, tuple[CodeType, CodeType]] = {}  # id(code a frame was moved into) -> base
        self._capacity: dict[int, tuple[FrameType, int]] = {}  # moved frames -> slots they really have
        self._lock = threading.Lock()

    # -- which frame can move ------------------------------------------------------------------------------
    def parked_frame(self, ident: int) -> tuple[FrameType, Via] | None:
        """The program frame thread ``ident`` is parked in, if it is parked in a line event of that frame."""
        if self._callbacks is None:
            self._callbacks = _line_callbacks()
        callee = sys._current_frames().get(ident)
        while callee is not None and callee.f_code not in self._callbacks:
            callee = callee.f_back
        if callee is None or callee.f_back is None:
            return None
        frame = callee.f_back
        via = self._callbacks[callee.f_code]
        if via == "line" and callee.f_locals.get("event", "line") != "line":
            return None
        return frame, via

    def base_code(self, code: CodeType) -> CodeType:
        entry = self._variants.get(id(code))
        return entry[1] if entry is not None and entry[0] is code else code

    def runs_old_code(self, frame: FrameType) -> bool:
        return self.old_source(frame.f_code) is not None

    def old_source(self, code: CodeType) -> str | None:
        """The text an old (replaced) code object was compiled from, through the 3.11 hooks and pads."""
        from .hotreload import source_of

        for candidate in (code, self._original(code), self.base_code(code)):
            text = source_of(candidate)
            if text is not None:
                return text
        return None

    def _original(self, code: CodeType) -> CodeType:
        original = getattr(self.session.backend, "original", None)  # the 3.11 backend's hooked copies
        return original(code) if original is not None else code

    def _prepare(self) -> Any:
        return getattr(self.session.backend, "prepare", None) if sys.version_info < (3, 12) else None

    # -- after a reload --------------------------------------------------------------------------------------
    def after_reload(self, path: str, new_text: str, enabled: bool) -> list[FrameReport]:
        """Move every parked frame of the reloaded file that still runs old code; report every old frame."""
        session = self.session
        real = canonical(path)
        stops = session.parking.parked_frames()
        reports: list[FrameReport] = []
        for ident, frames in stops.items():
            parked = self.parked_frame(ident) if enabled else None
            for k, (frame, line) in enumerate(frames):
                if not self.runs_old_code(frame):
                    continue
                name = frame.f_code.co_qualname
                if not enabled:
                    reason = "updateFrameCode is off"
                elif parked is not None and parked[0] is frame:
                    if canonical(frame.f_code.co_filename) == real:
                        move = lambda f=frame, v=parked[1]: self._move(f, v, new_text)  # noqa: E731
                        reports.append(session.parking.run_on(ident, move))
                        continue
                    reason = "its file was not the one reloaded"
                elif k == 0:
                    reason = (
                        "it is not stopped at the start of a line (a return, an exception or breakpoint())"
                    )
                else:
                    reason = f"it is waiting for the call on line {line} to return"
                reports.append(FrameReport(name, line, False, reason=reason))
        return reports

    def report_into(self, result: Any, enabled: bool) -> None:
        """Move the reloaded file's stopped frames, and put what happened to every old-code frame into the
        reload's result: the counter, the frames, a warning for each that kept its old code."""
        from .hotreload import previous_source

        real = result.reloadedPath or ""
        text, _ = previous_source(canonical(real), set())  # exactly the text the reload compiled
        if text is None:
            return
        reports = self.after_reload(real, text, enabled)
        result.warnings = [w for w in result.warnings if not _is_old_frame_warning(w)]
        result.updatedFrameCodes = sum(r.moved for r in reports)
        result.frames = [r.to_dict() for r in reports]
        result.warnings.extend(r.sentence() for r in reports if not r.moved)
        if any(not r.moved and not r.reason.startswith("it is waiting") for r in reports):
            result.hint = (result.hint + " " if result.hint else "") + (
                "A frame that keeps its old code can be restarted in the new code (Restart Frame)."
            )

    def _move(self, frame: FrameType, via: Via, new_text: str) -> FrameReport:
        name, line = frame.f_code.co_qualname, frame.f_lineno
        old_code = self.base_code(self._original(frame.f_code))
        old_text = self.old_source(frame.f_code)
        try:
            if old_text is None:
                raise Refused("the source it runs is not known")
            new_code = self._new_code(frame, old_code, new_text)
            plan = framecode.plan_move(
                frame,
                new_code,
                old_text,
                new_text,
                via,
                capacity=self._capacity_of(frame),
                prepare=self._prepare(),
            )
        except Refused as exc:
            return FrameReport(name, line, False, reason=str(exc))
        self._apply(plan, new_code)
        return FrameReport(name, plan.old_line, True, new_line=plan.line)

    def _new_code(self, frame: FrameType, old_code: CodeType, new_text: str) -> CodeType:
        if old_code.co_name == "<module>":
            try:
                return with_room(compile(new_text, old_code.co_filename, "exec", dont_inherit=True))
            except SyntaxError as exc:  # pragma: no cover - the reload compiled it already
                raise Refused(f"the new module does not compile: {exc}") from None
        func = FrameMemory(frame).function()
        code = getattr(func, "__code__", None)
        if code is None:
            raise Refused("its function is not known")
        code = self._original(code)
        if code is old_code:
            raise Refused("its function was not replaced by the reload (a closure or a renamed function?)")
        return code

    def _capacity_of(self, frame: FrameType) -> int | None:
        with self._lock:
            entry = self._capacity.get(id(frame))
            return entry[1] if entry is not None and entry[0] is frame else None

    def _apply(self, plan: framecode.Plan, base: CodeType) -> None:
        frame = plan.frame
        room = self._capacity_of(frame)
        if room is None:
            code = frame.f_code
            room = len(slot_names(code)) + code.co_stacksize
        plan.apply()
        with self._lock:
            self._capacity[id(frame)] = (frame, room)
            if plan.code is not base:
                self._variants[id(plan.code)] = (plan.code, base)
        self._set_line(frame, plan.line)

    def _set_line(self, frame: FrameType, line: int) -> None:
        self.session.parking.frame_moved(frame, line)
        self.session.vars.clear()

    # -- restart frame ----------------------------------------------------------------------------------------
    def restart(self, frame: FrameType, ident: int) -> int:
        """Run ``frame``'s function again from its first line; returns that line. Raises Refused."""
        parked = self.parked_frame(ident)
        if parked is None or parked[0] is not frame:
            raise Refused(
                "only the frame the program is stopped in can be restarted, at the start of a line "
                "(this one is waiting for a call it made to return): step out to it first"
            )
        return int(self.session.parking.run_on(ident, lambda: self._restart(frame, parked[1])))

    def _restart(self, frame: FrameType, via: Via) -> int:
        from .hotreload import read_text

        func = FrameMemory(frame).function() if frame.f_code.co_name != "<module>" else None
        code = getattr(func, "__code__", None)
        if code is None:
            raise Refused("only a function's frame can be restarted, not a module or class body")
        code = self._original(code)
        try:
            text = read_text(code.co_filename)
        except OSError:
            text = ""
        plan = framecode.plan_restart(
            frame, code, text, via, capacity=self._capacity_of(frame), prepare=self._prepare()
        )
        self._apply(plan, code)
        return plan.line

    def forget(self) -> None:
        """The program ended or restarted: drop the frames held for their sizes."""
        with self._lock:
            self._capacity.clear()
            self._variants.clear()
