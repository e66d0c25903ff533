"""Model backends against real local HTTP servers (never a mocked client), and the replay backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from capsule_helpers import ChatServer, Recorder, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write


def _tool_then_text(body: dict[str, Any]) -> dict[str, Any]:
    """Ask for `version` and `count` in one step; answer with what the tools said."""
    results = [m for m in body["messages"] if m["role"] == "tool"]
    if not results:
        return {
            "text": "let me check",
            "tool_calls": [{"name": "version"}, {"name": "slow", "arguments": {"seconds": 0}}],
        }
    return {"text": "tools said: " + " / ".join(m["content"] for m in results[-2:])}


async def test_openai_backend_streams_and_calls_tools(tmp_path: Path) -> None:
    server = ChatServer(_tool_then_text)
    try:
        root = make_project(tmp_path / "agent", model="openai:fake-model")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\nOPENAI_API_KEY=sk-test-secret-123\n")
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            rec = Recorder(rt)
            events = await rt.run(None, "what version?")
        deltas = [e.data["text"] for e in events if e.type == "assistant_delta"]
        assert len(deltas) > 3, "text arrives streamed, in pieces"
        final = [e for e in events if e.type == "assistant"][-1].data["text"]
        assert final == "tools said: v1 / v1"
        assert "".join(deltas).endswith(final)
        calls = [e.data for e in events if e.type == "tool_call"]
        assert [(c["tool"], c["arguments"]) for c in calls] == [("version", {}), ("slow", {"seconds": 0})]
        first, second = server.requests
        assert first["stream"] is True
        assert first["model"] == "fake-model"
        assert first["messages"][0] == {"role": "system", "content": "You are testagent."}
        assert {t["function"]["name"] for t in first["tools"]} == {"version", "slow", "gated", "count"}
        schema = next(t for t in first["tools"] if t["function"]["name"] == "slow")["function"]["parameters"]
        assert schema["properties"]["seconds"] == {"type": "number", "default": 1.0}
        assistant = second["messages"][-3]
        assert [c["function"]["name"] for c in assistant["tool_calls"]] == ["version", "slow"]
        assert second["messages"][-1]["role"] == "tool"
        assert second["messages"][-1]["content"] == "v1"
        assert server.headers[0]["Authorization"] == "Bearer sk-test-secret-123"
        assert rec.events
    finally:
        server.close()


async def test_anthropic_backend_streams_and_calls_tools(tmp_path: Path) -> None:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]
        if isinstance(last["content"], list) and last["content"][0]["type"] == "tool_result":
            return {"text": "result was " + last["content"][0]["content"]}
        return {"tool_calls": [{"name": "version", "arguments": {}}]}

    server = ChatServer(reply, flavor="anthropic")
    try:
        root = make_project(tmp_path / "agent", model="anthropic:claude-test")
        write(root, ".env", f"ANTHROPIC_BASE_URL={server.url}\nANTHROPIC_API_KEY=ak-test-key\n")
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            events = await rt.run(None, "version please")
        assert [e.data["text"] for e in events if e.type == "assistant"] == ["result was v1"]
        assert server.requests[0]["system"] == "You are testagent."
        assert server.requests[1]["messages"][1]["content"][0]["name"] == "version"
        assert server.headers[0]["x-api-key"] == "ak-test-key"
    finally:
        server.close()


async def test_replay_backend_plays_recorded_replies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "agent")
    replay = root / "session.jsonl"
    replay.write_text(
        json.dumps({"tool_calls": [{"name": "version", "arguments": {}}]})
        + "\n"
        + json.dumps({"text": "done"})
        + "\n"
    )
    monkeypatch.setenv("DAPPER_MODEL", "replay:session.jsonl")  # the environment picks the backend
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        events = await rt.run(None, "anything")
        again = await rt.run(None, "more")
    assert [e.data["result"] for e in events if e.type == "tool_result"] == ["v1"]
    assert [e.data["text"] for e in events if e.type == "assistant"] == ["done"]
    assert next(e.data["message"] for e in again if e.type == "error").startswith("replay file")


async def test_scripted_model_is_the_default_and_echoes(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        echo = await rt.run(None, "hello there")
        bad = await rt.run(None, '/call version\n/call slow {"seconds": "x"}')
    assert [e.data["text"] for e in echo if e.type == "assistant"] == ["echo: hello there"]
    final = next(e.data["text"] for e in bad if e.type == "assistant")
    assert final.splitlines()[0] == "version: v1"
    assert final.splitlines()[1].startswith(
        "slow failed: invalid arguments for slow: seconds: expected number"
    )
