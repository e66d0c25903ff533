"""Anthropic Messages API, streaming, with tool use (optional backend, plain HTTP).

Configuration: ``base_url`` / ``ANTHROPIC_BASE_URL`` (default ``https://api.anthropic.com``), ``api_key_env``
(default ``ANTHROPIC_API_KEY``), ``model`` (from ``model = "anthropic:NAME"``), ``max_tokens``, ``timeout``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dapper_tui.capsule.models.base import Message, ModelReply, ModelRequest, OnText
from dapper_tui.capsule.models.provider import Defaults, ProviderModel, event_json, tool_call


def to_anthropic_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        if m["role"] == "assistant":
            blocks: list[dict[str, Any]] = []
            if m.get("content"):
                blocks.append({"type": "text", "text": m["content"]})
            for c in m.get("tool_calls") or []:
                blocks.append({"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["arguments"]})
            out.append({"role": "assistant", "content": blocks})
        elif m["role"] == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": m["tool_call_id"],
                "content": m["content"],
                "is_error": bool(m.get("is_error")),
            }
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        else:
            out.append({"role": "user", "content": m["content"]})
    return out


class AnthropicModel(ProviderModel):
    name = "anthropic"
    defaults = Defaults(
        "claude-sonnet-4-5", "ANTHROPIC_BASE_URL", "https://api.anthropic.com", "ANTHROPIC_API_KEY"
    )

    def url(self) -> str:
        return self.base_url.rstrip("/") + "/v1/messages"

    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.api_key, "anthropic-version": "2023-06-01"}

    def body(self, request: ModelRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": int(self.options.get("max_tokens", 4096)),
            "messages": to_anthropic_messages(request.messages),
            "stream": True,
        }
        if request.system:
            body["system"] = request.system
        if request.tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema}
                for t in request.tools
            ]
        return body

    def read(self, events: Iterator[tuple[str, str]], url: str, emit: OnText) -> ModelReply:
        text: list[str] = []
        blocks: dict[int, dict[str, Any]] = {}
        for event, data in events:
            payload = event_json(url, event, data)
            kind = payload.get("type", event)
            if kind == "content_block_start":
                blocks[payload["index"]] = {**payload["content_block"], "partial": ""}
            elif kind == "content_block_delta":
                delta = payload["delta"]
                if delta.get("type") == "text_delta":
                    text.append(delta["text"])
                    emit(delta["text"])
                elif delta.get("type") == "input_json_delta":
                    blocks[payload["index"]]["partial"] += delta.get("partial_json", "")
            elif kind == "message_stop":
                break
        calls = [
            tool_call(block["id"], block["name"], block["partial"], block.get("input"))
            for _index, block in sorted(blocks.items())
            if block.get("type") == "tool_use"
        ]
        return ModelReply(text="".join(text), tool_calls=calls)
