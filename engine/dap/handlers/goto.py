"""Jump to a line: gotoTargets and goto (`supportsGotoTargetsRequest`).

`gotoTargets` answers the line a jump to the requested line would land on in the innermost frame of the
stopped thread (the line itself or the next one with code; none when the file is another one, the line is outside
that function, or the frame cannot jump). A target's id is its line. `goto` makes that frame go on from the
target's line (engine/goto.py: CPython's `f_lineno` rules); the engine then stops with reason "goto", sent after
the response. A refused jump is an error response whose message gives the reason.
"""

from __future__ import annotations

from typing import Any

from ...goto import GotoRefused
from ...session import DebugSession
from ..args import RequestError, arg, opt_int, require_stopped, source_path
from ..engine_events import EngineEvents
from ..replies import Reply


class Goto:
    def __init__(self, session: DebugSession, events: EngineEvents) -> None:
        self.session = session
        self.threads = events.threads

    def _ident(self, args: dict[str, Any]) -> int:
        tid = opt_int(args, "threadId")
        ident = self.threads.ident(tid)
        if tid is not None and ident is None:
            raise RequestError(f"unknown thread {tid}")
        try:
            return self.session.jumps.thread(ident)
        except GotoRefused as exc:
            raise RequestError(str(exc)) from None

    def on_gotoTargets(self, args: dict[str, Any]) -> Reply:
        path = source_path(args)
        line = arg(args, "line", int)
        require_stopped(self.session)
        lines = self.session.jumps.targets(self._ident(args), path, line)
        return Reply({"targets": [{"id": n, "label": f"line {n}", "line": n} for n in lines]})

    def on_goto(self, args: dict[str, Any]) -> Reply:
        target = arg(args, "targetId", int)
        require_stopped(self.session)
        try:
            self.session.goto(target, self._ident(args))
        except KeyError:
            raise RequestError("that thread is not stopped") from None
        except (ValueError, RuntimeError) as exc:
            raise RequestError(str(exc)) from None
        return Reply()
