"""One DAP client connection over one DebugSession: requests in, responses and events out.

Requests are handled one at a time on the connection's reader thread, except those that wait for code to run
on the stopped program thread (`evaluate`, `setVariable`): they are checked on the reader thread, then finished
on a thread of their own, so a slow expression never keeps `pause`, `threads` or `disconnect` from being
answered. Their responses can come after later requests' responses (DAP matches them by `request_seq`); a quick
one is still answered before the next request is read.

Engine events arrive on debuggee threads and go straight to the writer (held back while a request is being
answered, so a response always precedes the events it caused). Program output is joined into lines first (one
`output` event per printed line, not one per `write`). Thread ids are the engine's `threading` idents mapped to
small numbers.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from ..breakpoints import BreakpointSpec
from ..events import (
    BreakpointChanged,
    Continued,
    Event,
    Exited,
    InputRequested,
    LoadedSource,
    Output,
    Reloaded,
    Stopped,
    ThreadEvent,
)
from ..launch import LaunchTarget
from ..main_thread import MainThreadRunner
from ..session import DebugSession
from .protocol import FrameError, MessageWriter

MAX_SOURCE_BYTES = 16 * 1024 * 1024

EXCEPTION_FILTERS = [
    {
        "filter": "uncaught",
        "label": "Uncaught Exceptions",
        "description": "Stop when an exception is not handled (post mortem)",
        "default": True,
    },
    {
        "filter": "raised",
        "label": "Raised Exceptions",
        "description": "Stop whenever an exception is raised in your code",
        "default": False,
    },
]

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
    "supportsHotReload": True,
}

_STOP_REASONS = {"breakpoint()": "breakpoint"}

# how long the reader thread waits for a request run on its own thread before it reads the next request
DEFERRED_INLINE_WAIT = 0.05
# program output without a newline is sent after this long
OUTPUT_FLUSH_DELAY = 0.03
OUTPUT_MAX_PENDING = 64 * 1024

# a broken message's request, made out from its raw bytes
_SEQ_RE = re.compile(rb'"seq"\s*:\s*(\d{1,15})\b')
_COMMAND_RE = re.compile(rb'"command"\s*:\s*("(?:[^"\\\r\n]|\\.){1,100}")')
_TYPE_RE = re.compile(rb'"type"\s*:\s*"([^"\\]{0,40})"')


class RequestError(Exception):
    """A request that cannot be carried out; its message goes back in the error response."""


class _Deferred:
    """A handler's answer that must run off the reader thread (it waits for the stopped program thread)."""

    def __init__(self, run: Callable[[], Any]) -> None:
        self.run = run


class OutputJoiner:
    """Joins program output into whole lines: a `print` of several values is written piece by piece ("a", " ",
    "b", "\\n"), and each piece would otherwise be an `output` event of its own.

    Text is sent up to its last newline at once; a rest without a newline waits OUTPUT_FLUSH_DELAY (an
    `input()` prompt, a progress bar) or until the category changes, a non-output event is sent (`flush`), or
    too much is pending. Sending happens under one lock, so output from several threads keeps its order.
    """

    def __init__(self, send: Callable[[str, str], None], delay: float = OUTPUT_FLUSH_DELAY) -> None:
        self._send = send
        self._delay = delay
        self._cv = threading.Condition()
        self._category: str | None = None
        self._parts: list[str] = []
        self._size = 0
        self._deadline: float | None = None
        self._closed = False
        self._timer = threading.Thread(target=self._run, name="dapper-tui dap output", daemon=True)
        self._timer.start()

    def write(self, category: str, text: str) -> None:
        if not text:
            return
        with self._cv:
            if self._category != category:
                self._flush_locked()
                self._category = category
            self._parts.append(text)
            self._size += len(text)
            if self._size >= OUTPUT_MAX_PENDING:
                self._flush_locked()
            elif "\n" in text:
                joined = "".join(self._parts)
                cut = joined.rfind("\n") + 1
                self._parts = [joined[cut:]] if cut < len(joined) else []
                self._size = len(joined) - cut
                self._send(category, joined[:cut])
            if self._parts and self._deadline is None:
                self._deadline = time.monotonic() + self._delay
                self._cv.notify_all()
            elif not self._parts:
                self._deadline = None

    def flush(self) -> None:
        with self._cv:
            self._flush_locked()

    def close(self) -> None:
        with self._cv:
            self._flush_locked()
            self._closed = True
            self._cv.notify_all()

    def _flush_locked(self) -> None:
        self._deadline = None
        if not self._parts:
            return
        text, self._parts, self._size = "".join(self._parts), [], 0
        assert self._category is not None
        self._send(self._category, text)

    def _run(self) -> None:
        with self._cv:
            while not self._closed:
                if self._deadline is None:
                    self._cv.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cv.wait(left)
                else:
                    self._flush_locked()


def _arg(args: dict[str, Any], name: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """A required argument, with a clear message when it is missing or of the wrong type."""
    if name not in args or args[name] is None:
        raise RequestError(f"missing argument '{name}'")
    value = args[name]
    if kind is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise RequestError(f"argument '{name}' must be {want}, not {type(value).__name__}")
    return value


def _opt(args: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    if args.get(name) is None:
        return default
    return _arg(args, name, kind)


def _int(args: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"argument '{name}' must be an integer, not {type(value).__name__}")
    return value


class DapAdapter:
    def __init__(
        self,
        writer: MessageWriter,
        *,
        log: Callable[[str], None] | None = None,
        runner: MainThreadRunner | None = None,
    ) -> None:
        self.writer = writer
        self.log = log or (lambda text: print(text, file=sys.__stderr__, flush=True))
        self.session = DebugSession(self._on_event, runner=runner)  # runner: the program gets the main thread
        self.done = threading.Event()  # set when the client disconnected: the connection ends
        self._launch_args: dict[str, Any] | None = None
        self._target: LaunchTarget | None = None
        self._stop_on_entry = False
        self._old_texts: dict[str, int] = {}  # text an old-code frame runs -> its sourceReference
        self._configured = False
        self._started = False
        self._terminated_sent = False
        self._dispatch_thread: int | None = None
        self._resuming = False
        self._thread_ids: dict[int, int] = {}  # engine ident -> DAP id
        self._idents: dict[int, int] = {}  # DAP id -> engine ident
        self._known_threads: set[int] = set()  # idents the client was told have started (and not exited)
        self._exited = False
        self._lock = threading.RLock()
        self.client: dict[str, Any] = {}
        self.output = OutputJoiner(self._send_output)

    # -- dispatch -----------------------------------------------------------------------------------------
    def handle(self, message: dict[str, Any] | FrameError) -> None:
        """Answer one message from the client. Never raises: a broken request gets an error response."""
        if isinstance(message, FrameError):
            self._broken_frame(message)
            return
        seq = message.get("seq")
        kind = message.get("type")
        command = message.get("command")
        if kind != "request" or not isinstance(command, str) or not command:
            problem = (
                f"message type {kind!r} is not 'request'"
                if kind != "request"
                else "the request has no 'command' (a non-empty string)"
            )
            if isinstance(seq, int) and not isinstance(seq, bool) and kind in ("request", None):
                self.writer.response(self._error(seq, str(command or ""), problem))
            else:
                self._bad_message(FrameError(problem, message=message))
            return
        if not isinstance(seq, int) or isinstance(seq, bool):
            self._bad_message(FrameError(f"request {command!r} has no integer 'seq'", message=message))
            return
        args = message.get("arguments")
        if args is None:
            args = {}
        self._dispatch_thread = threading.get_ident()
        self.writer.hold()
        after: Callable[[], None] | None = None
        deferred: _Deferred | None = None
        response: dict[str, Any] | None
        try:
            if not isinstance(args, dict):
                raise RequestError(f"'arguments' must be an object, not {type(args).__name__}")
            handler = getattr(self, "on_" + command.replace("/", "_"), None)
            if handler is None or not callable(handler):
                raise RequestError(f"unknown request {command!r}")
            result = handler(args)
            if isinstance(result, _Deferred):
                deferred = result
                response = None
            else:
                if isinstance(result, tuple):
                    result, after = result
                response = self._success(seq, command, result)
        except Exception as exc:
            response = self._failure(seq, command, exc)
        finally:
            self._resuming = False
        self.writer.release(response)
        if deferred is not None:
            self._run_deferred(seq, command, deferred)
        if after is not None:
            after()

    def _run_deferred(self, seq: int, command: str, deferred: _Deferred) -> None:
        """Finish a request on a thread of its own; wait a moment for it, so a quick one keeps its order."""

        def run() -> None:
            try:
                response = self._success(seq, command, deferred.run())
            except Exception as exc:
                response = self._failure(seq, command, exc)
            self.writer.response(response)

        worker = threading.Thread(target=run, name=f"dapper-tui dap {command} {seq}", daemon=True)
        worker.start()
        worker.join(DEFERRED_INLINE_WAIT)

    def _success(self, seq: int, command: str, body: Any) -> dict[str, Any]:
        response: dict[str, Any] = {
            "type": "response",
            "request_seq": seq,
            "success": True,
            "command": command,
        }
        if body is not None:
            response["body"] = body
        return response

    def _failure(self, seq: int, command: str, exc: Exception) -> dict[str, Any]:
        if isinstance(exc, RequestError):
            return self._error(seq, command, str(exc))
        if isinstance(exc, _Failed):
            return self._error(seq, command, exc.message, exc.body)
        self.log(f"dapper-tui dap: {command} failed:\n{traceback.format_exc()}")
        return self._error(seq, command, f"{type(exc).__name__}: {exc}")

    def _error(self, seq: int, command: str, text: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        body = dict(body or {})
        body["error"] = {"id": 1, "format": text.replace("{", "{{").replace("}", "}}"), "showUser": True}
        return {
            "type": "response",
            "request_seq": seq,
            "success": False,
            "command": command,
            "message": text,
            "body": body,
        }

    def _broken_frame(self, error: FrameError) -> None:
        """A message that could not be read as sent. A request that can still be made out (its JSON survived, or
        its seq is in the bytes) gets an error response, so the client is not left waiting for it; it is not
        carried out, since what it asks for cannot be trusted."""
        self._bad_message(error)
        found = _request_in(error)
        if found is None:
            return
        seq, command = found
        what = f"request {seq}" + (f" ({command!r})" if command else "")
        self.writer.response(
            self._error(
                seq,
                command,
                f"{what} was not carried out: its message could not be read as sent: {error.reason}",
            )
        )

    def _bad_message(self, error: FrameError) -> None:
        """Log a bad message, and tell the client on its console."""
        raw = error.raw[:200].decode("utf-8", "replace") if error.raw else ""
        text = f"dapper-tui dap: ignored a bad message: {error.reason}" + (f": {raw!r}" if raw else "")
        self.log(text)
        self._console(text + "\n")

    def _console(self, text: str) -> None:
        """A message of the adapter's own on the client's console, after any program output before it."""
        self.output.flush()
        self.writer.event("output", {"category": "console", "output": text})

    # -- engine events (debuggee threads) -----------------------------------------------------------------
    def _tid(self, ident: int) -> int:
        with self._lock:
            tid = self._thread_ids.get(ident)
            if tid is None:
                tid = len(self._thread_ids) + 1
                self._thread_ids[ident] = tid
                self._idents[tid] = ident
            return tid

    def _ident(self, tid: int | None) -> int | None:
        if tid is None:
            return None
        with self._lock:
            return self._idents.get(tid)

    def _thread_started(self, ident: int) -> None:
        """Tell the client about a thread once: the engine's ThreadEvent for the threads the program starts, the
        launch (or its first stop) for the program's main thread."""
        with self._lock:
            if ident in self._known_threads or self._exited:
                return
            self._known_threads.add(ident)
            self.writer.event("thread", {"reason": "started", "threadId": self._tid(ident)})

    def _thread_exited(self, ident: int) -> None:
        with self._lock:
            if ident not in self._known_threads:
                return
            self._known_threads.discard(ident)
            self.writer.event("thread", {"reason": "exited", "threadId": self._tid(ident)})

    def _send_output(self, category: str, text: str) -> None:
        self.writer.event("output", {"category": category, "output": text})

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Output):
            self.output.write(event.category, event.text)
            return
        self.output.flush()  # what the program printed comes before what happened next
        w = self.writer
        if isinstance(event, Stopped):
            self._thread_started(event.thread_id)
            body: dict[str, Any] = {
                "reason": _STOP_REASONS.get(event.reason, event.reason),
                "threadId": self._tid(event.thread_id),
                "allThreadsStopped": event.all_threads_stopped,
                "preserveFocusHint": False,
            }
            if event.description:
                body["description"] = event.description
            if event.text:
                body["text"] = event.text
            if event.hit_breakpoint_ids:
                body["hitBreakpointIds"] = list(event.hit_breakpoint_ids)
            w.event("stopped", body)
        elif isinstance(event, Continued):
            if self._resuming and threading.get_ident() == self._dispatch_thread:
                return  # the client asked for it: no event (DAP spec, `continued`)
            w.event(
                "continued",
                {"threadId": self._tid(event.thread_id), "allThreadsContinued": event.all_threads_continued},
            )
        elif isinstance(event, Exited):
            if event.error:
                w.event("output", {"category": "stderr", "output": f"dapper-tui: {event.error}\n"})
            with self._lock:
                for ident in list(self._known_threads):
                    self._thread_exited(ident)
                self._exited = True
            w.event("exited", {"exitCode": event.exit_code})
            self._send_terminated()
        elif isinstance(event, ThreadEvent):
            if event.reason == "started":
                self._thread_started(event.thread_id)
            else:
                self._thread_exited(event.thread_id)
        elif isinstance(event, BreakpointChanged):
            w.event("breakpoint", {"reason": event.reason, "breakpoint": event.breakpoint.to_dict()})
        elif isinstance(event, LoadedSource):
            source = {"name": os.path.basename(event.path), "path": event.path}
            w.event("loadedSource", {"reason": event.reason, "source": source})
        elif isinstance(event, Reloaded):
            w.event("dapper/hotReloadResult", _reload_event_body(event.result))
        elif isinstance(event, InputRequested):
            prompt = f" ({event.prompt.strip()})" if event.prompt.strip() else ""
            self._console(f"The program waits for input{prompt}: type it in the debug console.\n")

    def _send_terminated(self) -> None:
        with self._lock:
            if self._terminated_sent:
                return
            self._terminated_sent = True
        self.writer.event("terminated", {})

    # -- life cycle ---------------------------------------------------------------------------------------
    def on_initialize(self, args: dict[str, Any]) -> Any:
        self.client = args
        if args.get("linesStartAt1") is False or args.get("columnsStartAt1") is False:
            self.log("dapper-tui dap: the client counts lines from 0; lines are sent 1-based anyway")
        return dict(CAPABILITIES), lambda: self.writer.event("initialized")

    def on_launch(self, args: dict[str, Any]) -> Any:
        if self._launch_args is not None:
            raise RequestError("the program was already launched in this session")
        program = _opt(args, "program", str)
        module = _opt(args, "module", str)
        if not program and not module:
            raise RequestError("missing argument 'program' (a script path) or 'module'")
        if program and module:
            raise RequestError("give 'program' or 'module', not both")
        argv = _opt(args, "args", (list, str), [])
        if isinstance(argv, str):
            argv = argv.split()
        env = _opt(args, "env", dict, {})
        cwd = _opt(args, "cwd", str)
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
        self.session.just_my_code = bool(args.get("justMyCode", True))
        self._stop_on_entry = bool(args.get("stopOnEntry", False))
        self._launch_args = args
        self._target = target
        return None, self._maybe_start

    def on_attach(self, args: dict[str, Any]) -> Any:
        raise RequestError("attach is not supported: dapper-tui runs the program itself (use launch)")

    def on_configurationDone(self, args: dict[str, Any]) -> Any:
        self._configured = True
        return None, self._maybe_start

    def _maybe_start(self) -> None:
        if self._started or not self._configured or self._target is None:
            return
        self._started = True
        self.session.launch(self._target, stop_on_entry=self._stop_on_entry)
        main = self.session._main_thread
        if main is not None and main.ident is not None and self.session.state != "exited":
            self._thread_started(main.ident)

    def on_disconnect(self, args: dict[str, Any]) -> Any:
        return None, self._end

    def _end(self) -> None:
        self.done.set()

    def close(self) -> None:
        """End the program and take the engine's hooks out of the process."""
        try:
            self.session.close()
        except Exception:
            self.log(f"dapper-tui dap: closing the session failed:\n{traceback.format_exc()}")
        self.output.close()

    def on_terminate(self, args: dict[str, Any]) -> Any:
        if self.session.state in ("running", "stopped"):
            return None, self._terminate
        return None, self._send_terminated

    def _terminate(self) -> None:
        self.session.terminate(wait=2.0)

    # -- breakpoints --------------------------------------------------------------------------------------
    def on_setBreakpoints(self, args: dict[str, Any]) -> Any:
        source = _arg(args, "source", dict)
        path = source.get("path")
        if not isinstance(path, str) or not path:
            if source.get("sourceReference"):
                raise RequestError(
                    "breakpoints need a source path (dapper-tui has no sourceReference sources)"
                )
            raise RequestError("missing argument 'source.path'")
        specs: list[BreakpointSpec] = []
        bps = args.get("breakpoints")
        if bps is None:
            lines = _opt(args, "lines", list, [])
            bps = [{"line": n} for n in lines]
        if not isinstance(bps, list):
            raise RequestError("argument 'breakpoints' must be an array")
        for i, bp in enumerate(bps):
            if not isinstance(bp, dict):
                raise RequestError(f"breakpoints[{i}] must be an object")
            line = bp.get("line")
            if isinstance(line, bool) or not isinstance(line, int):
                raise RequestError(f"breakpoints[{i}].line must be an integer")
            specs.append(
                BreakpointSpec(
                    line,
                    _str_or_none(bp, "condition", i),
                    _str_or_none(bp, "hitCondition", i),
                    _str_or_none(bp, "logMessage", i),
                )
            )
        result = self.session.set_breakpoints(path, specs)
        return {"breakpoints": [b.to_dict() for b in result]}

    def on_setFunctionBreakpoints(self, args: dict[str, Any]) -> Any:
        bps = _arg(args, "breakpoints", list)
        entries = []
        for i, bp in enumerate(bps):
            if not isinstance(bp, dict) or not isinstance(bp.get("name"), str):
                raise RequestError(f"breakpoints[{i}] needs a 'name' (a string)")
            entries.append(
                (bp["name"], _str_or_none(bp, "condition", i), _str_or_none(bp, "hitCondition", i))
            )
        result = self.session.set_function_breakpoints(entries)
        return {"breakpoints": [b.to_dict() for b in result]}

    def on_setExceptionBreakpoints(self, args: dict[str, Any]) -> Any:
        filters = _opt(args, "filters", list, [])
        options = _opt(args, "filterOptions", list, [])
        wanted = [f for f in filters if isinstance(f, str)]
        wanted += [o.get("filterId") for o in options if isinstance(o, dict)]
        known = {f["filter"] for f in EXCEPTION_FILTERS}
        unknown = [f for f in wanted if f not in known]
        self.session.set_exception_breakpoints({f for f in wanted if f in known})
        result = []
        for f in wanted:
            entry: dict[str, Any] = {"verified": f in known}
            if f not in known:
                entry["message"] = f"unknown exception filter {f!r}; use uncaught or raised"
            result.append(entry)
        if unknown:
            self.log(f"dapper-tui dap: ignored unknown exception filters {unknown}")
        return {"breakpoints": result}

    # -- execution ----------------------------------------------------------------------------------------
    def _resume(self, args: dict[str, Any], fn: Callable[[int | None], None]) -> None:
        tid = _int(args, "threadId")
        self._require_stopped()
        self._resuming = True
        fn(self._ident(tid))

    def _require_stopped(self) -> None:
        if self.session.state != "stopped":
            raise RequestError(f"the program is not stopped (it is {self.session.state})")

    def on_continue(self, args: dict[str, Any]) -> Any:
        self._resume(args, self.session.continue_)
        return {"allThreadsContinued": True}

    def on_next(self, args: dict[str, Any]) -> Any:
        self._resume(args, self.session.step_over)

    def on_stepIn(self, args: dict[str, Any]) -> Any:
        self._resume(args, self.session.step_in)

    def on_stepOut(self, args: dict[str, Any]) -> Any:
        self._resume(args, self.session.step_out)

    def on_restartFrame(self, args: dict[str, Any]) -> Any:
        """Run the frame's function again from its first line (in its current code, so after a reload in the
        new code). Answered on the reader thread: the engine's `stopped` (reason "restart") is held back until
        this response is out, as the spec asks (response first, then the stop)."""
        frame_id = _arg(args, "frameId", int)
        self._require_stopped()
        try:
            self.session.restart_frame(frame_id)
        except KeyError:
            raise RequestError(f"unknown frame {frame_id} (the program moved on?)") from None
        except (ValueError, RuntimeError) as exc:
            raise RequestError(str(exc)) from None

    def on_pause(self, args: dict[str, Any]) -> Any:
        _int(args, "threadId")
        if self.session.state == "running":
            self.session.pause()
        elif self.session.state != "stopped":
            raise RequestError(f"the program is not running (it is {self.session.state})")

    # -- inspection ---------------------------------------------------------------------------------------
    def on_threads(self, args: dict[str, Any]) -> Any:
        threads = self.session.thread_list()
        return {"threads": [{"id": self._tid(t.id), "name": t.name} for t in threads]}

    def on_stackTrace(self, args: dict[str, Any]) -> Any:
        tid = _int(args, "threadId")
        if tid is None:
            raise RequestError("missing argument 'threadId'")
        start = max(_int(args, "startFrame", 0) or 0, 0)
        levels = _int(args, "levels", 0) or 0
        ident = self._ident(tid)
        if ident is None:
            raise RequestError(f"unknown thread {tid}")
        frames = self.session.stack(ident)
        if not frames and self.session.state == "stopped":
            frames = self.session.stack(ident, just_my_code=False)
        chosen = frames[start : start + levels] if levels > 0 else frames[start:]
        return {"stackFrames": [self._frame_dict(f) for f in chosen], "totalFrames": len(frames)}

    def _frame_dict(self, frame: Any) -> dict[str, Any]:
        """A frame that runs old code points at the text it runs (a sourceReference), so the client draws its
        line in that text, never on the edited file's line of the same number."""
        d = frame.to_dict()
        old = self.session.old_source(frame.id) if frame.old_code else None
        if old is not None:
            ref = self._old_texts.setdefault(old, len(self._old_texts) + 1)
            name = os.path.basename(frame.path)
            d["source"] = {"name": f"{name} (old code)", "sourceReference": ref, "origin": "old code"}
        return d

    def on_scopes(self, args: dict[str, Any]) -> Any:
        frame_id = _arg(args, "frameId", int)
        try:
            scopes = self.session.scopes(frame_id)
        except KeyError as exc:
            raise RequestError(exc.args[0] if exc.args else f"unknown frame {frame_id}") from None
        out = []
        for s in scopes:
            d: dict[str, Any] = {"name": s.name, "variablesReference": s.reference, "expensive": s.expensive}
            if s.name == "Locals":
                d["presentationHint"] = "locals"
            if s.named:
                d["namedVariables"] = s.named
            out.append(d)
        return {"scopes": out}

    def on_variables(self, args: dict[str, Any]) -> Any:
        ref = _arg(args, "variablesReference", int)
        start = max(_int(args, "start", 0) or 0, 0)
        count = _int(args, "count", 0) or None
        if ref == 0:
            return {"variables": []}
        try:
            variables = self.session.variables(ref, start, count)
        except KeyError as exc:
            raise RequestError(exc.args[0] if exc.args else f"unknown reference {ref}") from None
        return {"variables": [v.to_dict() for v in variables]}

    def on_evaluate(self, args: dict[str, Any]) -> Any:
        expression = _arg(args, "expression", str)
        frame_id = _int(args, "frameId")
        context = args.get("context")
        if self.session.state == "running" and self.session.io.waiting.is_set() and context == "repl":
            self.session.send_input(expression)  # the program is blocked in input(): this is its answer
            return {"result": "", "variablesReference": 0}
        if self.session.state != "stopped":
            raise RequestError(f"cannot evaluate: the program is not stopped (it is {self.session.state})")

        def run() -> dict[str, Any]:  # on its own thread: it waits for the stopped program thread
            try:
                var = self.session.evaluate(expression, frame_id)
            except KeyError as exc:
                raise RequestError(exc.args[0] if exc.args else str(exc)) from None
            except Exception as exc:
                raise RequestError(f"{type(exc).__name__}: {exc}") from None
            body: dict[str, Any] = {
                "result": var.value,
                "type": var.type,
                "variablesReference": var.reference,
            }
            if var.indexed:
                body["indexedVariables"] = var.indexed
            return body

        return _Deferred(run)

    def on_setVariable(self, args: dict[str, Any]) -> Any:
        ref = _arg(args, "variablesReference", int)
        name = _arg(args, "name", str)
        value = _arg(args, "value", str)
        self._require_stopped()

        def run() -> dict[str, Any]:  # on its own thread: it waits for the stopped program thread
            try:
                var = self.session.set_variable(ref, name, value)
            except KeyError as exc:
                raise RequestError(exc.args[0] if exc.args else f"no variable {name!r}") from None
            except Exception as exc:
                raise RequestError(f"{type(exc).__name__}: {exc}") from None
            body: dict[str, Any] = {"value": var.value, "type": var.type, "variablesReference": var.reference}
            if var.indexed:
                body["indexedVariables"] = var.indexed
            return body

        return _Deferred(run)

    def on_exceptionInfo(self, args: dict[str, Any]) -> Any:
        _int(args, "threadId")
        stop = self.session.stop_event
        if stop is None or stop.reason != "exception":
            raise RequestError("the program is not stopped on an exception")
        name, _, message = stop.text.partition(": ")
        return {
            "exceptionId": name or "Exception",
            "description": message or stop.text,
            "breakMode": "unhandled" if stop.post_mortem else "always",
        }

    def on_loadedSources(self, args: dict[str, Any]) -> Any:
        sources = self.session.loaded_sources()
        return {"sources": [{"name": s.name, "path": s.path} for s in sources]}

    def on_source(self, args: dict[str, Any]) -> Any:
        source = _opt(args, "source", dict, {})
        path = source.get("path")
        if not isinstance(path, str) or not path:
            ref = _int(args, "sourceReference", 0) or _int(source, "sourceReference", 0)
            for text, known in self._old_texts.items():
                if known == ref:
                    return {"content": text, "mimeType": "text/x-python"}
            raise RequestError(f"unknown sourceReference {ref}" if ref else "missing argument 'source.path'")
        if not os.path.isfile(path):
            raise RequestError(f"{path}: no such file")
        if os.path.getsize(path) > MAX_SOURCE_BYTES:
            raise RequestError(f"{path} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
        with open(path, "rb") as f:
            content = f.read().decode("utf-8", "replace")
        return {"content": content, "mimeType": "text/x-python"}

    # -- the seed's extension -----------------------------------------------------------------------------
    def on_dapper_hotReload(self, args: dict[str, Any]) -> Any:
        source = _arg(args, "source", dict)
        path = source.get("path")
        if not isinstance(path, str) or not path:
            raise RequestError("missing argument 'source.path'")
        options = _opt(args, "options", dict, {})
        try:
            result = self.session.reload(path, options)
        except ValueError as exc:  # a bad option
            raise RequestError(str(exc)) from None
        body = result.to_dict()
        if not result.ok:
            message = result.error or "hot reload failed"
            if result.hint:
                message += f" ({result.hint})"
            raise _Failed(message, body)
        return body


def _request_in(error: FrameError) -> tuple[int, str] | None:
    """(seq, command) of the request a broken message held, when it can be made out."""
    message = error.message
    if isinstance(message, dict):
        seq, command = message.get("seq"), message.get("command")
        if message.get("type") not in ("request", None) or isinstance(seq, bool) or not isinstance(seq, int):
            return None
        return seq, command if isinstance(command, str) else ""
    raw = error.raw
    m = _SEQ_RE.search(raw)
    if m is None:
        return None
    kind = _TYPE_RE.search(raw)
    if kind is not None and kind.group(1) != b"request":
        return None  # a response or an event from the client: nothing to answer
    command = ""
    c = _COMMAND_RE.search(raw)
    if c is not None:
        try:
            command = str(json.loads(c.group(1).decode("utf-8", "replace")))
        except ValueError:
            command = ""
    return int(m.group(1)), command


class _Failed(Exception):
    def __init__(self, message: str, body: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.body = body


def _str_or_none(d: dict[str, Any], key: str, index: int) -> str | None:
    value = d.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RequestError(f"breakpoints[{index}].{key} must be a string")
    return value


def _reload_event_body(result: Any) -> dict[str, Any]:
    try:
        d = dict(result.to_dict())
    except Exception:
        d = {"ok": bool(getattr(result, "ok", False)), "error": str(result)}
    d.setdefault("module", d.get("reloadedModule"))
    d.setdefault("path", d.get("reloadedPath"))
    return d
