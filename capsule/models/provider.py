"""What the provider backends (``openai.py``, ``anthropic.py``) share: their settings, and one streamed request.

Settings come from agent.toml's ``[model]`` table, else from the environment (which includes ``.env``): ``model``
(``model = "PROVIDER:NAME"`` wins), ``base_url`` (else the provider's ``*_BASE_URL`` variable), ``api_key_env``
(the variable that holds the key), ``timeout`` (seconds, default 120), and the provider's own options. A step is
one POST whose Server-Sent Events are read in a worker thread (``http.py``); each backend says what it sends
(``url``, ``headers``, ``body``) and how it reads the events into a reply (``read``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dapper_tui.capsule.models.base import (
    ModelError,
    ModelReply,
    ModelRequest,
    OnText,
    ToolCall,
)
from dapper_tui.capsule.models.http import iter_sse, stream_in_thread


@dataclass(frozen=True)
class Defaults:
    """A provider's defaults: its model, the variable that may hold its URL, its URL, its key's variable."""

    model: str
    base_url_env: str
    base_url: str
    api_key_env: str


class ProviderModel:
    """A provider's streaming API; a subclass sets ``name`` and ``defaults`` and the four methods."""

    name = ""
    defaults = Defaults("", "", "", "")

    def __init__(self, model: str, options: Mapping[str, Any], env: Mapping[str, str]) -> None:
        defaults = self.defaults
        self.options = options
        self.model = model or str(options.get("model", defaults.model))
        self.base_url = str(options.get("base_url") or env.get(defaults.base_url_env) or defaults.base_url)
        self.api_key = env.get(str(options.get("api_key_env", defaults.api_key_env)), "")
        self.timeout = float(options.get("timeout", 120))

    def url(self) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def body(self, request: ModelRequest) -> dict[str, Any]:
        raise NotImplementedError

    def read(self, events: Iterator[tuple[str, str]], url: str, emit: OnText) -> ModelReply:
        """The reply from the stream's ``(event, data)`` pairs; its text goes to ``emit`` as it comes."""
        raise NotImplementedError

    async def respond(self, request: ModelRequest, on_text: OnText) -> ModelReply:
        url, headers, body = self.url(), self.headers(), self.body(request)

        def produce(emit: Callable[[str], None]) -> ModelReply:
            return self.read(iter_sse(url, body, headers, self.timeout), url, emit)

        reply: ModelReply = await stream_in_thread(produce, on_text)
        return reply


def event_json(url: str, event: str, data: str) -> dict[str, Any]:
    """A stream event's JSON data; an error event (or one that carries an ``error``) is a ``ModelError``."""
    try:
        payload = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ModelError(f"bad stream event from {url}: {data[:200]!r}") from exc
    if not isinstance(payload, dict):
        return {}
    if payload.get("type", event) == "error" or "error" in payload:
        raise ModelError(f"{url}: {payload.get('error')}")
    return payload


def tool_call(call_id: str, name: str, raw: str, default: dict[str, Any] | None = None) -> ToolCall:
    """A tool call whose arguments came as JSON text (``default``, or none, when that text is empty)."""
    try:
        arguments = json.loads(raw) if raw.strip() else dict(default or {})
    except json.JSONDecodeError as exc:
        raise ModelError(f"tool call {name}: arguments are not JSON: {raw!r}") from exc
    return ToolCall(id=call_id, name=name, arguments=arguments)
