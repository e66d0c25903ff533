"""Replays model replies from a recorded JSONL file, one reply a line, in order.

A line is ``{"text": "...", "tool_calls": [{"name": "...", "arguments": {...}}]}``. ``RecordingModel`` writes
such a file from any other backend (``DAPPER_RECORD=path``), so a session can be replayed offline.
"""

from __future__ import annotations

import json
from pathlib import Path

from dapper_tui.capsule.models.base import Model, ModelError, ModelReply, ModelRequest, OnText, ToolCall


class ReplayModel:
    name = "replay"

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ModelError(f"replay file {path} does not exist")
        self.path = path
        self.replies = [
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        self.position = 0

    async def respond(self, request: ModelRequest, on_text: OnText) -> ModelReply:
        if self.position >= len(self.replies):
            raise ModelError(f"replay file {self.path} has no more replies (used {self.position})")
        raw = self.replies[self.position]
        self.position += 1
        calls = [
            ToolCall(
                id=c.get("id") or f"replay_{self.position}_{i}",
                name=c["name"],
                arguments=c.get("arguments", {}),
            )
            for i, c in enumerate(raw.get("tool_calls", []))
        ]
        text = str(raw.get("text", ""))
        if text:
            on_text(text)
        return ModelReply(text=text, tool_calls=calls)


class RecordingModel:
    """Wraps a model and appends each of its replies to a replay file."""

    def __init__(self, inner: Model, path: Path) -> None:
        self.inner = inner
        self.path = path
        self.name = inner.name

    async def respond(self, request: ModelRequest, on_text: OnText) -> ModelReply:
        reply = await self.inner.respond(request, on_text)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(reply.to_dict()) + "\n")
        return reply
