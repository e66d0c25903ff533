"""One DAP client connection over one DebugSession: requests in, responses and events out.

Requests are handled one at a time on the connection's reader thread, except those whose handler returns a
`Deferred` (`evaluate`, `setVariable`: they wait for code to run on the stopped program thread): they are
checked on the reader thread, then finished on a thread of their own, so a slow expression never keeps `pause`,
`threads` or `disconnect` from being answered. Their responses can come after later requests' responses (DAP
matches them by `request_seq`); a quick one is still answered before the next request is read.

The handlers live in `handlers/` (a request `foo` is answered by a method `on_foo`); engine events become DAP
events in `engine_events.py`.
"""

from __future__ import annotations

import re
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from ..main_thread import MainThreadRunner
from ..session import DebugSession
from . import codec, replies
from .args import RequestError
from .engine_events import EngineEvents
from .handlers.breakpoints import Breakpoints
from .handlers.execution import Execution
from .handlers.goto import Goto
from .handlers.hot_reload import HotReload
from .handlers.inspection import Inspection
from .handlers.lifecycle import LifeCycle
from .protocol import FrameError, MessageWriter
from .replies import Deferred, Reply, Result

# how long the reader thread waits for a request run on its own thread before it reads the next request
DEFERRED_INLINE_WAIT = 0.05

# a broken message's request, made out from its raw bytes
_SEQ_RE = re.compile(rb'"seq"\s*:\s*(\d{1,15})\b')
_COMMAND_RE = re.compile(rb'"command"\s*:\s*("(?:[^"\\\r\n]|\\.){1,100}")')
_TYPE_RE = re.compile(rb'"type"\s*:\s*"([^"\\]{0,40})"')

Handler = Callable[[dict[str, Any]], Result]


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
        self.events = EngineEvents(writer)
        self.session = DebugSession(self.events.on_event, runner=runner)  # runner: the program's main thread
        self.lifecycle = LifeCycle(self.session, self.events, self.log)
        self.done = self.lifecycle.done  # set when the client disconnected: the connection ends
        groups = (
            self.lifecycle,
            Breakpoints(self.session, self.log),
            Execution(self.session, self.events),
            Inspection(self.session, self.events),
            HotReload(self.session),
            Goto(self.session, self.events),
        )
        self._handlers: dict[str, Handler] = {
            name: getattr(group, name) for group in groups for name in dir(group) if name.startswith("on_")
        }

    def close(self) -> None:
        """End the program and take the engine's hooks out of the process."""
        try:
            self.session.close()
        except Exception:
            self.log(f"dapper-tui dap: closing the session failed:\n{traceback.format_exc()}")
        self.events.close()

    # -- dispatch -----------------------------------------------------------------------------------------
    def handle(self, message: dict[str, Any] | FrameError) -> None:
        """Answer one message from the client. Never raises: a broken request gets an error response."""
        if isinstance(message, FrameError):
            self._broken_frame(message)
            return
        request = self._request(message)
        if request is not None:
            self._answer(*request)

    def _request(self, message: dict[str, Any]) -> tuple[int, str, Any] | None:
        """(seq, command, arguments) of a request; a message that is not one is answered or logged here."""
        seq = _seq_of(message)
        kind = message.get("type")
        command = message.get("command")
        if kind != "request" or not isinstance(command, str) or not command:
            problem = (
                f"message type {kind!r} is not 'request'"
                if kind != "request"
                else "the request has no 'command' (a non-empty string)"
            )
            if seq is not None and kind not in ("response", "event"):  # a readable seq is answered
                self.writer.response(replies.error(seq, str(command or ""), problem))
            else:
                self._bad_message(FrameError(problem, message=message))
            return None
        if seq is None:
            self._bad_message(FrameError(f"request {command!r} has no integer 'seq'", message=message))
            return None
        args = message.get("arguments")
        return seq, command, {} if args is None else args

    def _answer(self, seq: int, command: str, args: Any) -> None:
        """Run the request's handler with the writer's events held back, so its response comes first."""
        self.writer.hold()
        result: Result | None = None
        try:
            result = self._handler(command, args)(args)
            response = replies.success(seq, command, result.body) if isinstance(result, Reply) else None
        except Exception as exc:
            result, response = None, replies.failure(seq, command, exc, self.log)
        finally:
            self.events.request_done()
        self.writer.release(response)
        if isinstance(result, Deferred):
            self._run_deferred(seq, command, result)
        elif result is not None and result.after is not None:
            result.after()

    def _handler(self, command: str, args: Any) -> Handler:
        if not isinstance(args, dict):
            raise RequestError(f"'arguments' must be an object, not {type(args).__name__}")
        handler = self._handlers.get("on_" + command.replace("/", "_"))
        if handler is None:
            raise RequestError(f"unknown request {command!r}")
        return handler

    def _run_deferred(self, seq: int, command: str, deferred: Deferred) -> None:
        """Finish a request on a thread of its own; wait a moment for it, so a quick one keeps its order."""

        def run() -> None:
            try:
                response = replies.success(seq, command, deferred.run())
            except Exception as exc:
                response = replies.failure(seq, command, exc, self.log)
            self.writer.response(response)

        worker = threading.Thread(target=run, name=f"dapper-tui dap {command} {seq}", daemon=True)
        worker.start()
        worker.join(DEFERRED_INLINE_WAIT)

    # -- broken messages ----------------------------------------------------------------------------------
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
        text = f"{what} was not carried out: its message could not be read as sent: {error.reason}"
        self.writer.response(replies.error(seq, command, text))

    def _bad_message(self, error: FrameError) -> None:
        """Log a bad message, and tell the client on its console."""
        raw = error.raw[:200].decode("utf-8", "replace") if error.raw else ""
        text = f"dapper-tui dap: ignored a bad message: {error.reason}" + (f": {raw!r}" if raw else "")
        self.log(text)
        self.events.console(text + "\n")


def _request_in(error: FrameError) -> tuple[int, str] | None:
    """(seq, command) of the request a broken message held, when it can be made out."""
    message = error.message
    if isinstance(message, dict):
        seq, command = _seq_of(message), message.get("command")
        if message.get("type") in ("response", "event") or seq is None:
            return None
        return seq, command if isinstance(command, str) else ""
    raw = error.raw
    m = _SEQ_RE.search(raw)
    if m is None:
        return None
    kind = _TYPE_RE.search(raw)
    if kind is not None and kind.group(1) in (b"response", b"event"):
        return None  # a response or an event from the client: nothing to answer
    command = ""
    c = _COMMAND_RE.search(raw)
    if c is not None:
        try:
            command = str(codec.loads(c.group(1).decode("utf-8", "replace")))
        except ValueError:
            command = ""
    return int(m.group(1)), command


def _seq_of(message: dict[str, Any]) -> int | None:
    """A message's `seq` when it can be read as a request number (an integer, or a float with an integer value)."""
    seq = message.get("seq")
    if isinstance(seq, float) and seq.is_integer() and abs(seq) < 2**53:
        return int(seq)
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None
