"""The default model: offline and deterministic.

- A user message whose lines are ``/call TOOL {json-args}`` asks for all those tools in one model step (parallel
  tool calls, which the turn runs one after the other, in order; ``{json-args}`` may be left out for no
  arguments); then, in a second step, it replies with one line per call, ``TOOL: RESULT`` (``TOOL failed:
  ERROR`` for an error result). Any number of calls takes two model steps.
- Any other message gets the reply ``echo: <message>``.
"""

from __future__ import annotations

import json

from dapper_tui.capsule.models.base import ModelError, ModelReply, ModelRequest, OnText, ToolCall


def parse_calls(text: str) -> list[tuple[str, dict[str, object]]] | None:
    """The ``/call`` lines of a message, or ``None`` when it is not a ``/call`` message."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines or not all(line.startswith("/call ") or line == "/call" for line in lines):
        return None
    calls: list[tuple[str, dict[str, object]]] = []
    for line in lines:
        rest = line[len("/call") :].strip()
        name, _, raw = rest.partition(" ")
        if not name:
            raise ModelError(f"/call needs a tool name: {line!r}")
        try:
            arguments = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise ModelError(f"/call {name}: arguments are not JSON: {exc}") from exc
        if not isinstance(arguments, dict):
            raise ModelError(f"/call {name}: arguments must be a JSON object")
        calls.append((name, arguments))
    return calls


class ScriptedModel:
    name = "scripted"

    async def respond(self, request: ModelRequest, on_text: OnText) -> ModelReply:
        messages = request.messages
        last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
        text = str(messages[last_user]["content"])
        calls = parse_calls(text)
        if calls is None:
            reply = f"echo: {text}"
            on_text(reply)
            return ModelReply(text=reply)
        results = [m for m in messages[last_user + 1 :] if m["role"] == "tool"]
        if not results:
            return ModelReply(
                tool_calls=[
                    ToolCall(id=f"call_{index}", name=name, arguments=arguments)
                    for index, (name, arguments) in enumerate(calls, 1)
                ]
            )
        lines = []
        for (name, _args), result in zip(calls, results):
            verb = "failed" if result.get("is_error") else ""
            lines.append(f"{name}{' ' + verb if verb else ''}: {result['content']}")
        reply = "\n".join(lines)
        on_text(reply)
        return ModelReply(text=reply)
