"""Any OpenAI-compatible chat-completions endpoint, streaming, with tool calls.

Configuration (``agent.toml`` ``[model]`` table, or the environment, which includes ``.env``):
``base_url`` / ``OPENAI_BASE_URL`` (default ``https://api.openai.com/v1``), ``api_key_env`` (default
``OPENAI_API_KEY``), ``model`` (from ``model = "openai:NAME"``), ``temperature``, ``timeout``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

from dapper_tui.capsule.models.base import Message, ModelReply, ModelRequest, OnText
from dapper_tui.capsule.models.provider import Defaults, ProviderModel, event_json, tool_call


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


class OpenAIModel(ProviderModel):
    name = "openai"
    defaults = Defaults("gpt-4o-mini", "OPENAI_BASE_URL", "https://api.openai.com/v1", "OPENAI_API_KEY")

    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def body(self, request: ModelRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(request.system, request.messages),
            "stream": True,
        }
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
                }
                for t in request.tools
            ]
        if self.options.get("temperature") is not None:
            body["temperature"] = self.options["temperature"]
        return body

    def read(self, events: Iterator[tuple[str, str]], url: str, emit: OnText) -> ModelReply:
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        for event, data in events:
            if data.strip() == "[DONE]":
                break
            chunk = event_json(url, event, data)
            for choice in chunk.get("choices", []):
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    text.append(delta["content"])
                    emit(delta["content"])
                for tc in delta.get("tool_calls") or []:
                    slot = calls.setdefault(tc.get("index", len(calls)), {"id": "", "name": "", "args": ""})
                    slot["id"] = tc.get("id") or slot["id"]
                    fn = tc.get("function") or {}
                    slot["name"] += fn.get("name") or ""
                    slot["args"] += fn.get("arguments") or ""
        reply_id = secrets.token_hex(4)
        tool_calls = [
            # a provider that sends no id: an id no other turn of the thread uses
            tool_call(slot["id"] or f"call_{reply_id}_{index}", slot["name"], slot["args"])
            for index, slot in sorted(calls.items())
        ]
        return ModelReply(text="".join(text), tool_calls=tool_calls)
