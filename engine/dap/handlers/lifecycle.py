"""Life cycle requests: initialize, launch, attach, configurationDone, disconnect, terminate.

The program starts once it is both launched and configured (`configurationDone`), after the response to the
later of the two. `terminate` ends it; the engine reports the end (`exited`, then `terminated`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from ...launch import LaunchTarget
from ...session import DebugSession
from ..args import RequestError, opt
from ..engine_events import EngineEvents
from ..replies import Reply
from .breakpoints import EXCEPTION_FILTERS

CAPABILITIES: dict[str, Any] = {
    "supportsConfigurationDoneRequest": True,
    "supportsFunctionBreakpoints": True,
    "supportsConditionalBreakpoints": True,
    "supportsHitConditionalBreakpoints": True,
    "supportsLogPoints": True,
    "supportsEvaluateForHovers": True,
    "supportsSetVariable": True,
    "supportsLoadedSourcesRequest": True,
    "supportsTerminateRequest": True,
    "supportsExceptionInfoRequest": True,
    "supportsDelayedStackTraceLoading": True,
    "supportsValueFormattingOptions": False,
    "exceptionBreakpointFilters": EXCEPTION_FILTERS,
    "supportsRestartFrame": True,
    "supportsGotoTargetsRequest": True,
    "supportsHotReload": True,
}


class LifeCycle:
    def __init__(self, session: DebugSession, events: EngineEvents, log: Callable[[str], None]) -> None:
        self.session = session
        self.events = events
        self.log = log
        self.done = threading.Event()  # set when the client disconnected: the connection ends
        self.client: dict[str, Any] = {}  # the client's initialize arguments
        self._target: LaunchTarget | None = None
        self._stop_on_entry = False
        self._configured = False
        self._started = False

    def on_initialize(self, args: dict[str, Any]) -> Reply:
        self.client = args
        if args.get("linesStartAt1") is False or args.get("columnsStartAt1") is False:
            self.log("dapper-tui dap: the client counts lines from 0; lines are sent 1-based anyway")
        return Reply(dict(CAPABILITIES), after=lambda: self.events.writer.event("initialized"))

    def on_launch(self, args: dict[str, Any]) -> Reply:
        if self._target is not None:
            raise RequestError("the program was already launched in this session")
        target = _launch_target(args)
        self.session.just_my_code = bool(args.get("justMyCode", True))
        self._stop_on_entry = bool(args.get("stopOnEntry", False))
        self._target = target
        return Reply(after=self._maybe_start)

    def on_attach(self, args: dict[str, Any]) -> Reply:
        raise RequestError("attach is not supported: dapper-tui runs the program itself (use launch)")

    def on_configurationDone(self, args: dict[str, Any]) -> Reply:
        self._configured = True
        return Reply(after=self._maybe_start)

    def _maybe_start(self) -> None:
        if self._started or not self._configured or self._target is None:
            return
        self._started = True
        self.session.launch(self._target, stop_on_entry=self._stop_on_entry)
        main = self.session.program_thread
        if main is not None and main.ident is not None and self.session.state != "exited":
            self.events.thread_started(main.ident)

    def on_disconnect(self, args: dict[str, Any]) -> Reply:
        return Reply(after=self.done.set)

    def on_terminate(self, args: dict[str, Any]) -> Reply:
        if self.session.state in ("running", "stopped"):
            return Reply(after=lambda: self.session.terminate(wait=2.0))
        return Reply(after=self.events.terminated)


def _launch_target(args: dict[str, Any]) -> LaunchTarget:
    """The program a launch request names, checked (the script or module exists, the cwd is a directory)."""
    program = opt(args, "program", str)
    module = opt(args, "module", str)
    if not program and not module:
        raise RequestError("missing argument 'program' (a script path) or 'module'")
    if program and module:
        raise RequestError("give 'program' or 'module', not both")
    argv = opt(args, "args", (list, str), [])
    if isinstance(argv, str):
        argv = argv.split()
    env = opt(args, "env", dict, {})
    cwd = opt(args, "cwd", str)
    if cwd and not os.path.isdir(cwd):
        raise RequestError(f"cwd {cwd}: no such directory")
    if program and not os.path.isabs(program) and cwd:
        program = os.path.join(cwd, program)
    target = LaunchTarget(
        program=program,
        module=module,
        args=[str(a) for a in argv],
        cwd=cwd,
        env={str(k): "" if v is None else str(v) for k, v in env.items()},
    )
    problem = target.check()
    if problem:
        raise RequestError(problem)
    return target
