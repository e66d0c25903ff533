"""Anthropic Messages API, streaming, with tool use (optional backend, plain HTTP).

Configuration: ``base_url`` / ``ANTHROPIC_BASE_URL`` (default ``https://api.anthropic.com``), ``api_key_env``
(default ``ANTHROPIC_API_KEY``), ``model`` (from ``model = "anthropic:NAME"``), ``max_tokens``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from dapper_tui.capsule.models.base import Message, ModelError, ModelReply, ToolCall
from dapper_tui.capsule.models.http import iter_sse, stream_in_thread
from dapper_tui.capsule.tools import ToolSpec


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


class AnthropicModel:
    name = "anthropic"

    def __init__(self, model: str, options: Mapping[str, Any], env: Mapping[str, str]) -> None:
        self.model = model or str(options.get("model", "claude-sonnet-4-5"))
        self.base_url = str(
            options.get("base_url") or env.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com"
        )
        self.api_key = env.get(str(options.get("api_key_env", "ANTHROPIC_API_KEY")), "")
        self.max_tokens = int(options.get("max_tokens", 4096))
        self.timeout = float(options.get("timeout", 120))

    async def respond(
        self,
        system: str,
        messages: list[Message],
        tools: list[ToolSpec],
        on_text: Callable[[str], None],
    ) -> ModelReply:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": to_anthropic_messages(messages),
            "stream": True,
        }
        if system:
            body["system"] = system
        if tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in tools
            ]
        headers = {"x-api-key": self.api_key, "anthropic-version": "2023-06-01"}
        url = self.base_url.rstrip("/") + "/v1/messages"

        def produce(emit: Callable[[str], None]) -> ModelReply:
            text: list[str] = []
            blocks: dict[int, dict[str, Any]] = {}
            for event, data in iter_sse(url, body, headers, self.timeout):
                try:
                    payload = json.loads(data)
                except json.JSONDecodeError as exc:
                    raise ModelError(f"bad stream event from {url}: {data[:200]!r}") from exc
                kind = payload.get("type", event)
                if kind == "error":
                    raise ModelError(f"{url}: {payload.get('error')}")
                if kind == "content_block_start":
                    block = payload["content_block"]
                    blocks[payload["index"]] = {**block, "partial": ""}
                elif kind == "content_block_delta":
                    delta = payload["delta"]
                    if delta.get("type") == "text_delta":
                        text.append(delta["text"])
                        emit(delta["text"])
                    elif delta.get("type") == "input_json_delta":
                        blocks[payload["index"]]["partial"] += delta.get("partial_json", "")
                elif kind == "message_stop":
                    break
            calls = []
            for index in sorted(blocks):
                block = blocks[index]
                if block.get("type") == "tool_use":
                    raw = block["partial"]
                    try:
                        arguments = json.loads(raw) if raw.strip() else (block.get("input") or {})
                    except json.JSONDecodeError as exc:
                        raise ModelError(
                            f"tool call {block.get('name')}: arguments are not JSON: {raw!r}"
                        ) from exc
                    calls.append(ToolCall(id=block["id"], name=block["name"], arguments=arguments))
            return ModelReply(text="".join(text), tool_calls=calls)

        return await stream_in_thread(produce, on_text)
