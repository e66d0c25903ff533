"""Stopping and parking: how the program's threads stop together and how the front end works on them.

A thread that stops (a breakpoint, a step, a pause, an exception) takes the stop (`take_stop`) and parks in its
tracing callback (`park`); every other debuggee thread parks at its next line (`park_quietly`). A parked thread
runs the front end's commands (evaluation, variable writes, edit and continue) that `run_on` queues for it, so
they see that thread's own state, and waits until a resume or a terminate wakes it (`resume`, `wake_to_end`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Literal

from .breakpoints import Breakpoint
from .frames import FrameTable, program_stack
from .importlock import holds_import_lock
from .runstate import Run, RunState

StepMode = Literal["into", "over", "out"]
_get_ident = threading.get_ident


class Terminate(SystemExit):
    """Raised inside a debuggee thread to end the program (the user quit or restarted)."""


@dataclass
class Step:
    mode: StepMode
    frame: FrameType
    reason: str = "step"


@dataclass
class Stop:
    """A parked thread: its frames (innermost first) with the line each one is on."""

    frames: list[tuple[FrameType, int]]
    reason: str
    post_mortem: bool = False
    gen: int = 0  # the run generation it was taken in: a resume since then lets its thread go at once
    commands: deque[tuple[Callable[[], Any], Future[Any]]] = field(default_factory=deque)


class Parking:
    """The parked threads, the steps under way, and the lock and condition they wait on. The session's run
    state (`run`) changes under this lock."""

    def __init__(self, run: Run, frames: FrameTable, debuggee_idents: set[int]) -> None:
        self.cv = threading.Condition(threading.RLock())
        self.run = run
        self.frames = frames
        self._debuggee = debuggee_idents
        self.stops: dict[int, Stop] = {}
        self.steps: dict[int, Step] = {}
        self.in_debugger: set[int] = set()  # threads running evaluate/commands: never stop them
        self._terminated_at: dict[int, float] = {}  # thread -> when the end was raised in it
        self._gen = 0  # bumped by every resume and terminate: parked threads wake and look again

    # -- stopping -------------------------------------------------------------------------------------------
    def take_stop(
        self, ident: int, stack: list[tuple[FrameType, int]], reason: str, post_mortem: bool
    ) -> Stop | None:
        """This thread stops the program, unless another one stopped first (then None: it parks beside it).
        Call under `cv`."""
        if self.run.state is RunState.STOPPED:
            return None
        self.run.stopped()
        self.steps.clear()
        stop = Stop(stack, reason, post_mortem, self._gen)
        self.stops[ident] = stop
        return stop

    def park_quietly(self, frame: FrameType, frames: list[tuple[FrameType, int]] | None = None) -> None:
        """Another thread stopped: park this one beside it, unless it holds the import lock (then it parks at its
        first line after)."""
        ident = _get_ident()
        with self.cv:
            if self.run.state is not RunState.STOPPED or ident in self.stops or holds_import_lock(frame):
                return
            stop = Stop(frames if frames is not None else program_stack(frame), "suspended", gen=self._gen)
            self.stops[ident] = stop
        self.park(ident, stop.gen)

    def park(self, ident: int, gen: int) -> None:
        """Wait here until the program resumes, running the front end's commands on this thread. `gen`: the run
        generation the stop was taken in (the front end may resume before this thread gets here)."""
        with self.cv:
            stop = self.stops.get(ident)
            while True:
                while stop is not None and stop.commands:
                    self._run_command(ident, *stop.commands.popleft())
                if self._gen != gen or self.run.ending:
                    break
                self.cv.wait()
            if self.run.ending:
                self.stops.pop(ident, None)  # no longer parked: a terminate may interrupt what it runs next
                if self.terminate_now(ident):
                    raise Terminate(1)

    def _run_command(self, ident: int, fn: Callable[[], Any], fut: Future[Any]) -> None:
        self.cv.release()
        self.in_debugger.add(ident)
        try:
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn())
                except BaseException as exc:
                    fut.set_exception(exc)
        finally:
            self.in_debugger.discard(ident)
            self.cv.acquire()

    def blocked(self, thread_id: int | None) -> Stop | None:
        """A debuggee thread that has not parked although the program is stopped: it is blocked in a call
        (`time.sleep`, `queue.get`, a lock, I/O) and parks when that returns. Its frames as they are now."""
        if thread_id is None or self.run.state is not RunState.STOPPED or thread_id not in self._debuggee:
            return None
        frame = sys._current_frames().get(thread_id)
        return Stop(program_stack(frame), "suspended") if frame is not None else None

    # -- working on parked threads ------------------------------------------------------------------------
    def run_on(self, thread_id: int, fn: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Run fn on the stopped thread (evaluation must see that thread's state) and return its result."""
        if thread_id == _get_ident():
            return fn()
        fut: Future[Any] = Future()
        with self.cv:
            stop = self.stops.get(thread_id)
            if stop is None:
                raise RuntimeError(
                    "that thread is blocked in a call (sleep, a lock, I/O): its frames show, but expressions "
                    "run only once it reaches its next line"
                    if self.blocked(thread_id) is not None
                    else "that thread is not stopped"
                )
            stop.commands.append((fn, fut))
            self.cv.notify_all()
        return fut.result(timeout)

    def parked_frames(self) -> dict[int, list[tuple[FrameType, int]]]:
        """Each parked thread's frames (innermost first), with the line each one is on."""
        with self.cv:
            return {ident: list(stop.frames) for ident, stop in self.stops.items()}

    def frame_moved(self, frame: FrameType, line: int) -> None:
        """Edit and continue moved a parked frame to `line` of its new code."""
        with self.cv:
            for stop in self.stops.values():
                stop.frames = [(f, line if f is frame else n) for f, n in stop.frames]
            self.frames.moved(frame, line)

    # -- resuming and ending ------------------------------------------------------------------------------
    def resume(
        self, step: StepMode | None, thread_id: int | None, stopped_thread: int | None
    ) -> tuple[int | None, list[FrameType]]:
        """Wake every parked thread; with `step`, the chosen thread (`thread_id` if parked, else the one that
        stopped) steps. Returns that thread and the frames its step watches. Call under `cv`, stopped."""
        tid = thread_id if thread_id in self.stops else stopped_thread
        step_frames: list[FrameType] = []
        if step is not None and tid is not None:
            stop = self.stops[tid]
            if stop.post_mortem:
                step = None
            else:
                self.steps[tid] = Step(step, stop.frames[0][0])
                step_frames = [f for f, _ in stop.frames]
        self.run.into = step == "into"
        self.stops.clear()
        self.frames.clear()
        self.run.resumed()
        self._gen += 1
        self.cv.notify_all()
        return tid, step_frames

    def wake_to_end(self) -> None:
        """A terminate: every parked thread wakes and raises the end."""
        with self.cv:
            self.run.terminating()
            self._gen += 1
            self.cv.notify_all()

    def forget(self) -> None:
        """Nothing of a previous run (a terminated stop, a step) leaks into the next, or into a forked child."""
        self.steps.clear()
        self.stops.clear()
        self.frames.clear()

    def forget_terminations(self) -> None:
        self._terminated_at.clear()

    def terminate_now(self, ident: int) -> bool:
        """Raise the end in this thread now? Once, then again only if the thread is still running a second
        later (it caught it): the program's cleanup (`finally`, `with`) must not be cut short by a line event."""
        now = time.monotonic()
        last = self._terminated_at.get(ident)
        if last is not None and now - last < 1.0:
            return False
        self._terminated_at[ident] = now
        return True

    def wake_all(self) -> None:
        """A forked child: a thread parked in the fork runs on."""
        self._gen += 1


def describe_stop(reason: str, bp: Breakpoint | None, text: str, old_line: int | None = None) -> str:
    """The stop in words; ``old_line``: the frame runs code a reload replaced, at this line of its old text."""
    if old_line is not None:
        return f"{describe_stop(reason, bp, text)} (old code: line {old_line} of the source it runs)"
    if reason == "exception":
        return f"Exception: {text}"
    if bp is not None and bp.function:
        return f"Function breakpoint {bp.function}"
    if bp is not None and bp.temporary:  # run to line (`t`): no breakpoint the user set
        return f"Ran to line {bp.line} ({os.path.basename(bp.path or '')})"
    if bp is not None:
        return f"Breakpoint at {os.path.basename(bp.path or '')}:{bp.line}"
    return {"step": "Step", "pause": "Paused", "entry": "Entry", "breakpoint()": "breakpoint() call"}.get(
        reason, reason
    )
