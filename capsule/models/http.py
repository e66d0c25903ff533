"""Plain-HTTP streaming (Server-Sent Events) for the provider backends, on the standard library."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from dapper_tui.capsule.models.base import ModelError


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
    try:
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
            if not raw:
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
    """Run the blocking ``produce(emit)`` in a thread; ``emit`` forwards text to ``on_text`` on this loop."""
    loop = asyncio.get_running_loop()
    done = threading.Event()

    def emit(text: str) -> None:
        if not done.is_set():
            loop.call_soon_threadsafe(on_text, text)

    try:
        return await asyncio.to_thread(produce, emit)
    finally:
        done.set()
