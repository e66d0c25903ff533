"""What the turn loop needs from a model backend, and what the backends share.

A backend answers one model step: ``respond(request, on_text)`` gets a ``ModelRequest`` (the identity as the
system prompt, the thread so far, the tools of the pinned surface), streams the reply's text through
``on_text`` as it comes, and returns the whole ``ModelReply``: its text and the tool calls it asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from dapper_tui.capsule.tools import ToolSpec

# Messages use one provider-neutral shape:
#   {"role": "user", "content": str}
#   {"role": "assistant", "content": str, "tool_calls": [{"id", "name", "arguments": dict}]}
#   {"role": "tool", "tool_call_id": str, "name": str, "content": str, "is_error": bool}
Message = dict[str, Any]
OnText = Callable[[str], None]  # receives the reply's text, piece by piece, as it streams


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


@dataclass
class ModelReply:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "tool_calls": [c.to_dict() for c in self.tool_calls]}


@dataclass(frozen=True)
class ModelRequest:
    """One model step: the system prompt (the surface's identity), the messages so far, the tools offered."""

    system: str
    messages: list[Message]
    tools: list[ToolSpec]


class ModelError(Exception):
    pass


class Model(Protocol):
    name: str

    async def respond(self, request: ModelRequest, on_text: OnText) -> ModelReply: ...
