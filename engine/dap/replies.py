"""What a request handler returns, and the responses made of it.

Every handler returns a `Reply` (the response body, and what to do once the response is out) or a `Deferred`
(the body is worked out off the reader thread, for requests that wait for the stopped program thread). An
exception becomes an error response in one place, `failure`: a `RequestError` says what was wrong with the
request; anything else is a bug of ours, logged with its traceback.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .args import RequestError

Body = dict[str, Any] | None


@dataclass(frozen=True)
class Reply:
    """Answer now with `body`; then run `after` (once the response is written, e.g. to send an event)."""

    body: Body = None
    after: Callable[[], None] | None = None


@dataclass(frozen=True)
class Deferred:
    """Answer with what `run` returns, run on a thread of its own (it may raise RequestError)."""

    run: Callable[[], Body]


Result = Reply | Deferred


def success(seq: int, command: str, body: Body) -> dict[str, Any]:
    response: dict[str, Any] = {"type": "response", "request_seq": seq, "success": True, "command": command}
    if body is not None:
        response["body"] = body
    return response


def error(seq: int, command: str, text: str, body: Body = None) -> dict[str, Any]:
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


def failure(seq: int, command: str, exc: Exception, log: Callable[[str], None]) -> dict[str, Any]:
    """The error response for a request whose handler raised `exc`."""
    if isinstance(exc, RequestError):
        return error(seq, command, exc.message, exc.body)
    log(f"dapper-tui dap: {command} failed:\n{''.join(traceback.format_exception(exc))}")
    return error(seq, command, f"{type(exc).__name__}: {exc}")
