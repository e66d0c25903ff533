"""Jump to a line ("set next statement"): the stopped frame runs on from another line of the same function.

This is CPython's own `frame.f_lineno` assignment (pdb's `jump`), with its rules:

- only the frame the thread is stopped in (the innermost), and only when it stopped at the start of a line (a
  line event: a breakpoint, a step, a pause), not on an exception, a return, a post-mortem or a frame that waits
  for a call it made to return. CPython allows the assignment only from inside the tracing callback of that
  line event; the parked thread is exactly there, so the assignment runs on it (`Parking.run_on`);
- only to a line of that function's own code (not a nested function, a class body or another file);
- CPython itself refuses jumps into a `for` loop or a `with`/`try` body from outside, into an `except` block,
  out of a `finally` block, and the like: its message is passed on.

On 3.11 the breakpoint hooks the engine injects into the bytecode are plain calls, not a tracing callback: a
frame stopped by one cannot jump, and the refusal says to step once first (a step stops in a trace function).
The jump does not run the frame: the thread stays parked, now at the new line, and the session tells the front
end with a `Stopped` event of reason "goto".
"""

from __future__ import annotations

import warnings
from types import CodeType, FrameType
from typing import TYPE_CHECKING

from .events import Stopped
from .sources import canonical

if TYPE_CHECKING:
    from .session import DebugSession


class GotoRefused(ValueError):
    """The jump is not allowed; the message says why, in words a user understands."""


def code_lines(code: CodeType) -> list[int]:
    """The lines that start code in `code` itself (nested functions and classes excluded), in order."""
    lines = {line for _, _, line in code.co_lines() if line is not None and line > 0}
    if code.co_name != "<module>" and len(lines) > 1:
        lines.discard(code.co_firstlineno)  # the `def` line (its RESUME): not a statement of the body
    return sorted(lines)


def _function(code: CodeType) -> str:
    return "the module" if code.co_name == "<module>" else f"{code.co_qualname}()"


def target_line(code: CodeType, line: int) -> int:
    """The line a jump to `line` lands on: `line` itself, or the first line after it with code (CPython's
    rule). Raises GotoRefused when `line` is outside the function."""
    lines = code_lines(code)
    if not lines:
        raise GotoRefused(f"{_function(code)} has no lines to jump to")
    if line < lines[0] or line > lines[-1]:
        raise GotoRefused(
            f"line {line} is not in {_function(code)} (lines {lines[0]}-{lines[-1]}): "
            "a jump stays inside the function the program is stopped in"
        )
    return next(n for n in lines if n >= line)


class Goto:
    """Jumps in the session's stopped program."""

    def __init__(self, session: DebugSession) -> None:
        self.session = session

    def _stopped_frame(self, ident: int) -> FrameType:
        """The innermost frame of thread `ident`, if it may jump; else GotoRefused with the reason."""
        s = self.session
        with s.parking.cv:
            if s.state != "stopped":
                raise GotoRefused("the program is not stopped")
            stop = s.parking.stops.get(ident)
            if stop is None or not stop.frames:
                raise GotoRefused("that thread is not stopped at a line (it is blocked in a call)")
            if stop.post_mortem or stop.reason == "exception":
                raise GotoRefused(
                    "the program stopped on an exception, not at the start of a line: "
                    "CPython jumps only from a line event"
                )
            top = stop.frames[0][0]
        parked = s.editor.parked_frame(ident)
        if parked is None or parked[0] is not top:
            raise GotoRefused(
                "the frame is not stopped at the start of a line (a return or breakpoint() call)"
            )
        if parked[1] != "line":
            raise GotoRefused(
                "on Python 3.11 a stop at a breakpoint is not inside a trace function, where CPython allows "
                "a jump: step once (F10), then jump"
            )
        if s.editor.runs_old_code(top):
            raise GotoRefused("the frame runs code a reload replaced: restart the frame first")
        return top

    def thread(self, thread_id: int | None) -> int:
        """The thread a jump acts in: `thread_id`, or the one the program stopped in."""
        if thread_id is not None:
            return thread_id
        event = self.session.stop_event
        if event is None:
            raise GotoRefused("the program is not stopped")
        return event.thread_id

    def targets(self, ident: int, path: str, line: int) -> list[int]:
        """The line(s) a jump to `path`:`line` would land on, in thread `ident`'s innermost frame ([] if none)."""
        try:
            frame = self._stopped_frame(ident)
        except GotoRefused:
            return []
        if canonical(frame.f_code.co_filename) != canonical(path):
            return []
        try:
            return [target_line(frame.f_code, line)]
        except GotoRefused:
            return []

    def jump(self, ident: int, line: int) -> int:
        """Make thread `ident`'s innermost frame go on from `line`; returns the line it now stands on."""
        frame = self._stopped_frame(ident)
        code = frame.f_code
        landing = target_line(code, line)
        where = f"cannot jump to line {line}"

        said: list[str] = []

        def assign() -> int:
            # CPython warns (RuntimeWarning) when the jump leaves locals unbound: said in the stop, not printed
            # on the debugger's own terminal.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    frame.f_lineno = landing  # type: ignore[misc]  # typeshed: read-only; a tracer may set it
                except ValueError as exc:  # CPython's rules: into a loop or a block, out of a finally...
                    raise GotoRefused(f"{where}: {exc}") from None
            said.extend(str(w.message) for w in caught)
            return frame.f_lineno

        s = self.session
        new_line = int(s.parking.run_on(ident, assign))
        s.parking.frame_moved(frame, new_line)
        s.vars.clear()
        description = "; ".join([f"Jumped to line {new_line}", *said])
        event = Stopped(reason="goto", thread_id=ident, description=description)
        s.stop_event = event
        s.emit(event)
        return new_line
