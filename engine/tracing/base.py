from __future__ import annotations

from types import CodeType, FrameType
from typing import Any, Protocol


class TraceCore(Protocol):
    """What a backend asks the session. Called on debuggee threads, from inside tracing callbacks."""

    debuggee_idents: set[int]
    # The breakpoint table (engine/breakpoints.py): the per-code-object backends read `by_path` (canonical path ->
    # {line: Breakpoint}) and `functions` (function breakpoints) to know which code objects to hook.
    breakpoints: Any
    # Breakpoint lines in code a reload replaced (engine/old_lines.py): old code counts lines in its old text.
    old_lines: Any

    def wants_code(self, code: CodeType) -> bool:
        """Should line events fire in this code object (breakpoints in it, a function breakpoint, step-in)?"""
        ...

    def wants_raises(self, code: CodeType) -> bool:
        """With the "raised" filter on: should raises in this code object stop?"""
        ...

    def on_start(self, frame: FrameType) -> None:
        """A user function starts (function breakpoints, step into)."""
        ...

    def on_line(self, frame: FrameType, line: int) -> bool:
        """A line is about to run. Returns False when this location never needs to fire again."""
        ...

    def on_return(self, frame: FrameType) -> None:
        """A watched frame returns (stepping over or out of it stops in the caller)."""
        ...

    def on_raise(self, frame: FrameType, exc: BaseException) -> None:
        """An exception was raised in user code (only asked while the "raised" filter is on)."""
        ...

    @property
    def busy(self) -> bool:
        """Stepping, pausing or stopping is under way: never DISABLE a location now."""
        ...

    @property
    def trace_raises(self) -> bool: ...


class Backend(Protocol):
    def install(self) -> None: ...

    def uninstall(self) -> None: ...

    def thread_start(self) -> None:
        """Called on each new debuggee thread before it runs the program's code."""
        ...

    def refresh(self, live_frames: list[FrameType]) -> None:
        """Breakpoints or filters changed: re-evaluate which code fires, including frames already running."""
        ...

    def watch_frames(self, frames: list[FrameType]) -> None:
        """Make these (running) frames report their next line: stepping, pause, stopping all threads."""
        ...

    def resume(self) -> None:
        """The program resumes: drop what stepping and pausing enabled."""
        ...
