"""Execution requests: continue, next, stepIn, stepOut, pause, restartFrame.

They are answered on the reader thread. The engine's `stopped` that follows a step or a restartFrame is held
back until the response is out (the writer holds events while a request is answered): response first, then
the stop, as the spec asks. The `continued` a resume request causes is not sent: the client asked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...session import DebugSession
from ..args import RequestError, arg, opt_int, require_stopped
from ..engine_events import EngineEvents
from ..replies import Reply


class Execution:
    def __init__(self, session: DebugSession, events: EngineEvents) -> None:
        self.session = session
        self.events = events

    def _resume(self, args: dict[str, Any], fn: Callable[[int | None], None]) -> None:
        tid = opt_int(args, "threadId")
        require_stopped(self.session)
        self.events.resume_requested()
        fn(self.events.threads.ident(tid))

    def on_continue(self, args: dict[str, Any]) -> Reply:
        self._resume(args, self.session.continue_)
        return Reply({"allThreadsContinued": True})

    def on_next(self, args: dict[str, Any]) -> Reply:
        self._resume(args, self.session.step_over)
        return Reply()

    def on_stepIn(self, args: dict[str, Any]) -> Reply:
        self._resume(args, self.session.step_in)
        return Reply()

    def on_stepOut(self, args: dict[str, Any]) -> Reply:
        self._resume(args, self.session.step_out)
        return Reply()

    def on_restartFrame(self, args: dict[str, Any]) -> Reply:
        """Run the frame's function again from its first line (in its current code, so after a reload in the
        new code); the engine then stops with reason "restart"."""
        frame_id = arg(args, "frameId", int)
        require_stopped(self.session)
        try:
            self.session.restart_frame(frame_id)
        except KeyError:
            raise RequestError(f"unknown frame {frame_id} (the program moved on?)") from None
        except (ValueError, RuntimeError) as exc:
            raise RequestError(str(exc)) from None
        return Reply()

    def on_pause(self, args: dict[str, Any]) -> Reply:
        opt_int(args, "threadId")
        if self.session.state == "running":
            self.session.pause()
        elif self.session.state != "stopped":
            raise RequestError(f"the program is not running (it is {self.session.state})")
        return Reply()
