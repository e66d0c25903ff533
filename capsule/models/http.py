"""Plain-HTTP streaming (Server-Sent Events) for the provider backends, on the standard library."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import http.client
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from dapper_tui.capsule.models.base import ModelError


class _Abort:
    """The connection a streamed request runs on, so a cancelled turn can close it from the loop's thread
    (the worker thread blocked in a read then ends at once instead of at the stream's end)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: http.client.HTTPConnection | None = None
        self.aborted = False

    def attach(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._conn = conn
        if self.aborted:
            self.abort()

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            conn = self._conn
        sock = getattr(conn, "sock", None) if conn is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_ABORT: contextvars.ContextVar[_Abort | None] = contextvars.ContextVar("dapper_model_abort", default=None)


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(parts.netloc, timeout=timeout)
    elif parts.scheme == "http":
        conn = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    else:
        raise ModelError(f"unsupported URL {url!r}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return conn, path


def iter_sse(
    url: str, body: dict[str, Any], headers: dict[str, str], timeout: float
) -> Iterator[tuple[str, str]]:
    """POST ``body`` as JSON and yield ``(event, data)`` pairs of the streamed response."""
    conn, path = _connection(url, timeout)
    abort = _ABORT.get()
    try:
        if abort is not None and abort.aborted:
            raise ModelError("cancelled")
        conn.connect()
        if abort is not None:
            abort.attach(conn)
        conn.request(
            "POST",
            path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "text/event-stream", **headers},
        )
        response = conn.getresponse()
        if response.status >= 400:
            detail = response.read().decode(errors="replace")[:2000]
            raise ModelError(f"HTTP {response.status} from {url}: {detail}")
        event = "message"
        data: list[str] = []
        while True:
            raw = response.readline()
            if not raw or (abort is not None and abort.aborted):
                break
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line:
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        if data:
            yield event, "\n".join(data)
    except http.client.HTTPException as exc:  # a bad status line, a truncated body, a dropped connection
        raise ModelError(f"bad HTTP response from {url}: {type(exc).__name__}: {exc}") from exc
    except OSError as exc:
        raise ModelError(f"cannot reach {url}: {type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()


async def stream_in_thread(
    produce: Callable[[Callable[[str], None]], Any],
    on_text: Callable[[str], None],
) -> Any:
    """Run the blocking ``produce(emit)`` in a thread; ``emit`` forwards text to ``on_text`` on this loop.
    Cancelled, it closes the request's connection, so the thread stops reading."""
    loop = asyncio.get_running_loop()
    done = threading.Event()
    abort = _Abort()

    def emit(text: str) -> None:
        if not done.is_set():
            loop.call_soon_threadsafe(on_text, text)

    token = _ABORT.set(abort)
    try:
        return await asyncio.to_thread(produce, emit)
    except asyncio.CancelledError:
        abort.abort()
        raise
    finally:
        _ABORT.reset(token)
        done.set()
