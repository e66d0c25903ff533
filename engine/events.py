"""Events the engine posts to its front end (the Textual app, the DAP server or the line console).

They are posted from debuggee threads; a front end marshals them onto its own loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .hotreload import ReloadResult

StopReason = Literal[
    "breakpoint",
    "step",
    "pause",
    "exception",
    "entry",
    "function breakpoint",
    "goto",
    "breakpoint()",
    "restart",
]


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class Stopped(Event):
    reason: StopReason
    thread_id: int
    description: str = ""
    text: str = ""  # exception text for reason "exception"
    hit_breakpoint_ids: tuple[int, ...] = ()
    all_threads_stopped: bool = True
    post_mortem: bool = False  # the thread is dead-ended on an uncaught exception
    old_code: bool = False  # the frame runs code a reload replaced: its line is one of the old text


@dataclass(frozen=True)
class Continued(Event):
    thread_id: int
    all_threads_continued: bool = True


@dataclass(frozen=True)
class Output(Event):
    category: Literal["stdout", "stderr", "console"]
    text: str


@dataclass(frozen=True)
class InputRequested(Event):
    """The program called input() (or read stdin): answer with DebugSession.send_input."""

    prompt: str = ""


@dataclass(frozen=True)
class ThreadEvent(Event):
    reason: Literal["started", "exited"]
    thread_id: int
    name: str


@dataclass(frozen=True)
class BreakpointChanged(Event):
    reason: Literal["changed", "new", "removed"]
    breakpoint: Any  # breakpoints.Breakpoint


@dataclass(frozen=True)
class LoadedSource(Event):
    reason: Literal["new", "changed", "removed"]
    path: str
    module: str | None = None


@dataclass(frozen=True)
class Exited(Event):
    exit_code: int
    error: str | None = None  # a launch error (file not found, ...) rather than the program's own exit


@dataclass(frozen=True)
class Reloaded(Event):
    """A hot reload finished (applied or failed)."""

    result: ReloadResult
    extra: dict[str, Any] = field(default_factory=dict)
