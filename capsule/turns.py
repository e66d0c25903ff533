"""The turn loop: user message → model → tool calls on the pinned surface → … → final reply.

A turn pins the surface it starts on (``manager.pin()``); its model requests use that surface's identity and
tool declarations, and its tool calls go to that surface's capsule generation, even if a newer one becomes
current meanwhile. Every event of the turn carries the pinned revision. A result longer than
``result_max_bytes`` is stored in ``data/`` and the thread gets a preview (``capsule/results.py``); a stored
result longer than that (a thread written before the cap, or under a higher one) is cut for the model, with
a line that says so (``model_text``).

A turn's task may be cancelled (the console's Esc or Ctrl+C, a ``{"cancel": true}`` line in ``--json``): the
call running then gets an error result ``cancelled`` (``cancelled: true``), the thread an ``error`` event
``cancelled`` (``cancelled: true``), and the turn ends (``turn_end``) before the cancellation goes on.
"""

from __future__ import annotations

import asyncio
import secrets
import traceback
from collections.abc import Callable
from typing import Any

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.manager import CapsuleManager
from dapper_tui.capsule.models import Message, Model, ModelError, ModelRequest, ToolCall
from dapper_tui.capsule.results import cap_result

CANCELLED = "cancelled"


def model_text(text: str, max_bytes: int | None) -> str:
    """``text`` as the model gets it: at most ``max_bytes`` (about), the cut said in a last line."""
    if (
        max_bytes is None
        or len(text) <= max_bytes // 4
        or len(text.encode("utf-8", "surrogatepass")) <= max_bytes
    ):
        return text
    keep = text.encode("utf-8", "surrogatepass")[: max(0, max_bytes - 200)].decode("utf-8", "ignore")
    return keep + f"\n[... cut for the model: {len(text)} characters in all, the first {len(keep)} shown]"


_NO_RESULT = "no result: the agent process stopped during this call"


def history_to_messages(events: list[Event], max_result_bytes: int | None = None) -> list[Message]:
    """Model messages from stored events. A call without a result (the process died mid-call) gets one.
    A result over ``max_result_bytes`` is cut (``model_text``).

    Results are matched to calls by (turn, call id): call ids are only unique within a turn (the scripted
    model numbers its calls from 1 in every turn, providers may reuse ids).
    """
    messages: list[Message] = []
    steps: dict[tuple[Any, Any], Message] = {}
    answered = {(e.turn, str(e.get("call_id"))) for e in events if e.type == "tool_result"}
    for event in events:
        if event.type == "user":
            messages.append({"role": "user", "content": event.get("text", "")})
        elif event.type in ("assistant", "tool_call"):
            _add_to_step(messages, steps, answered, event)
        elif event.type == "tool_result":
            result = model_text(str(event.get("result", "")), max_result_bytes)
            is_error = bool(event.get("is_error"))
            messages.append(_tool_message(event.get("call_id"), event.get("tool"), result, is_error))
    for message in messages:
        if message["role"] == "assistant" and not message["tool_calls"]:
            del message["tool_calls"]
    return messages


def _add_to_step(
    messages: list[Message],
    steps: dict[tuple[Any, Any], Message],
    answered: set[tuple[Any, str]],
    event: Event,
) -> None:
    """An ``assistant`` or ``tool_call`` event joins its model step's assistant message (added at the step's
    first event); a call that was never answered gets its error result right after it."""
    key = (event.turn, event.get("step"))
    message = steps.get(key)
    if message is None:
        message = steps[key] = {"role": "assistant", "content": "", "tool_calls": []}
        messages.append(message)
    if event.type == "assistant":
        message["content"] += event.get("text", "")
        return
    call = {"id": event.get("call_id"), "name": event.get("tool"), "arguments": event.get("arguments", {})}
    message["tool_calls"].append(call)
    if (event.turn, str(call["id"])) not in answered:
        messages.append(_tool_message(call["id"], call["name"], _NO_RESULT, True))


def _tool_message(call_id: Any, name: Any, content: str, is_error: bool) -> Message:
    return {"role": "tool", "tool_call_id": call_id, "name": name, "content": content, "is_error": is_error}


async def run_turn(
    *,
    manager: CapsuleManager,
    model: Model,
    thread: str,
    history: list[Event],
    text: str,
    emit: Callable[[Event], None],
    max_steps: int = 8,
) -> str:
    """Run one turn; every event goes through ``emit`` (which stores and publishes it). Returns the turn id."""
    turn = _Turn(manager, model, thread, emit)
    try:
        turn.event("user", text=text, generation=turn.surface.generation_number)
        limit = manager.config.result_max_bytes
        messages = [*history_to_messages(history, limit), {"role": "user", "content": text}]
        for step in range(max_steps):
            if not await turn.model_step(messages, step):
                break
        else:
            turn.event("error", message=f"the turn stopped after {max_steps} model steps")
    except asyncio.CancelledError:
        turn.cancelled()
        raise
    except ModelError as exc:
        turn.event("error", message=str(exc))
    except Exception as exc:  # a bug or a protocol surprise ends this turn, never the session
        turn.event(
            "error",
            message=f"the turn failed unexpectedly: {type(exc).__name__}: {exc}",
            traceback="".join(traceback.format_exception(exc)[-6:]),
        )
    finally:
        manager.unpin(turn.surface)
        turn.event("turn_end", generation=turn.surface.generation_number)
    return turn.id


class _Turn:
    """One turn's state: its id, the surface it pinned, and the tool call in flight (if any)."""

    def __init__(
        self, manager: CapsuleManager, model: Model, thread: str, emit: Callable[[Event], None]
    ) -> None:
        self.id = secrets.token_hex(4)
        self.manager = manager
        self.model = model
        self.thread = thread
        self.emit = emit
        self.surface = manager.pin()
        self.revision = self.surface.revision
        self.running: dict[str, Any] = {}  # the tool call in flight, if any

    def event(self, kind: str, **data: Any) -> None:
        self.emit(Event(type=kind, thread=self.thread, revision=self.revision, turn=self.id, data=data))

    async def model_step(self, messages: list[Message], step: int) -> bool:
        """One model request and the tool calls it asks for. Whether the turn goes on (there were calls)."""

        def on_delta(chunk: str) -> None:
            self.event("assistant_delta", text=chunk, step=step)

        surface = self.surface
        reply = await self.model.respond(
            ModelRequest(surface.identity.text, messages, surface.tools), on_delta
        )
        if reply.text:
            self.event("assistant", text=reply.text, step=step, final=not reply.tool_calls)
        if not reply.tool_calls:
            return False
        messages.append(
            {
                "role": "assistant",
                "content": reply.text,
                "tool_calls": [call.to_dict() for call in reply.tool_calls],
            }
        )
        for call in reply.tool_calls:
            messages.append(await self.tool_call(call, step))
        return True

    async def tool_call(self, call: ToolCall, step: int) -> Message:
        """Runs one call on the pinned surface and records it; returns the result message for the model."""
        generation = self.surface.generation_number
        self.event(
            "tool_call",
            tool=call.name,
            arguments=call.arguments,
            call_id=call.id,
            step=step,
            generation=generation,
        )
        self.running.update(tool=call.name, call_id=call.id, step=step)
        result, is_error = await self.manager.call(self.surface, call.name, call.arguments)
        self.running.clear()
        project, limit = self.manager.project, self.manager.config.result_max_bytes
        result, stored = cap_result(project.root, project.data_dir, call.name, result, limit)
        self.event(
            "tool_result",
            tool=call.name,
            call_id=call.id,
            result=result,
            is_error=is_error,
            step=step,
            generation=generation,
            **({"full_result": stored} if stored else {}),
        )
        return {
            "role": "tool",
            "tool_call_id": call.id,
            "name": call.name,
            "content": result,
            "is_error": is_error,
        }

    def cancelled(self) -> None:
        """The turn's task was cancelled: the call in flight gets a ``cancelled`` result, the thread an error."""
        generation = self.surface.generation_number
        if self.running:
            self.event(
                "tool_result",
                **self.running,
                result=CANCELLED,
                is_error=True,
                cancelled=True,
                generation=generation,
            )
        self.event("error", message=CANCELLED, cancelled=True)
