"""Any OpenAI-compatible chat-completions endpoint, streaming, with tool calls.

Configuration (``agent.toml`` ``[model]`` table, or the environment, which includes ``.env``):
``base_url`` / ``OPENAI_BASE_URL`` (default ``https://api.openai.com/v1``), ``api_key_env`` (default
``OPENAI_API_KEY``), ``model`` (from ``model = "openai:NAME"``), ``temperature``, ``timeout``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from dapper_tui.capsule.models.base import Message, ModelError, ModelReply, ToolCall
from dapper_tui.capsule.models.http import iter_sse, stream_in_thread
from dapper_tui.capsule.tools import ToolSpec


def to_openai_messages(system: str, messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": system})
    for m in messages:
        if m["role"] == "assistant":
            item: dict[str, Any] = {"role": "assistant", "content": m.get("content") or None}
            if m.get("tool_calls"):
                item["tool_calls"] = [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
                    }
                    for c in m["tool_calls"]
                ]
            out.append(item)
        elif m["role"] == "tool":
            out.append({"role": "tool", "tool_call_id": m["tool_call_id"], "content": m["content"]})
        else:
            out.append({"role": m["role"], "content": m["content"]})
    return out


class OpenAIModel:
    name = "openai"

    def __init__(self, model: str, options: Mapping[str, Any], env: Mapping[str, str]) -> None:
        self.model = model or str(options.get("model", "gpt-4o-mini"))
        self.base_url = str(
            options.get("base_url") or env.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        )
        self.api_key = env.get(str(options.get("api_key_env", "OPENAI_API_KEY")), "")
        self.timeout = float(options.get("timeout", 120))
        self.temperature = options.get("temperature")

    def _body(self, system: str, messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(system, messages),
            "stream": True,
        }
        if tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
                }
                for t in tools
            ]
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body

    async def respond(
        self,
        system: str,
        messages: list[Message],
        tools: list[ToolSpec],
        on_text: Callable[[str], None],
    ) -> ModelReply:
        body = self._body(system, messages, tools)
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"

        reply_id = secrets.token_hex(4)

        def produce(emit: Callable[[str], None]) -> ModelReply:
            text: list[str] = []
            calls: dict[int, dict[str, Any]] = {}
            for _event, data in iter_sse(url, body, headers, self.timeout):
                if data.strip() == "[DONE]":
                    break
                try:
                    chunk = json.loads(data)
                except json.JSONDecodeError as exc:
                    raise ModelError(f"bad stream chunk from {url}: {data[:200]!r}") from exc
                if "error" in chunk:
                    raise ModelError(f"{url}: {chunk['error']}")
                for choice in chunk.get("choices", []):
                    delta = choice.get("delta") or {}
                    if delta.get("content"):
                        text.append(delta["content"])
                        emit(delta["content"])
                    for tc in delta.get("tool_calls") or []:
                        slot = calls.setdefault(
                            tc.get("index", len(calls)), {"id": "", "name": "", "args": ""}
                        )
                        slot["id"] = tc.get("id") or slot["id"]
                        fn = tc.get("function") or {}
                        slot["name"] += fn.get("name") or ""
                        slot["args"] += fn.get("arguments") or ""
            tool_calls = []
            for index in sorted(calls):
                slot = calls[index]
                try:
                    arguments = json.loads(slot["args"]) if slot["args"].strip() else {}
                except json.JSONDecodeError as exc:
                    raise ModelError(
                        f"tool call {slot['name']}: arguments are not JSON: {slot['args']!r}"
                    ) from exc
                # a provider that sends no id: an id no other turn of the thread uses
                call_id = slot["id"] or f"call_{reply_id}_{index}"
                tool_calls.append(ToolCall(id=call_id, name=slot["name"], arguments=arguments))
            return ModelReply(text="".join(text), tool_calls=tool_calls)

        return await stream_in_thread(produce, on_text)
