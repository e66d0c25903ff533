"""Tool calls of a turn: many calls in one message, and calls cut off by a kill -9 matched to the right turn."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from capsule_helpers import ChatServer, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from dapper_tui.capsule.threads import INTERRUPTED
from helpers import write

CLI = [sys.executable, "-m", "dapper_tui.capsule.cli"]


async def test_scripted_message_with_ten_calls_runs_them_all_and_replies(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        events = await rt.run(None, "\n".join(["/call count"] * 10))
    assert not [e.data["message"] for e in events if e.type == "error"]
    results = [e.data["result"] for e in events if e.type == "tool_result"]
    assert results == [f"module={i} data={i}" for i in range(1, 11)], "run in order, one after the other"
    assert {e.data["step"] for e in events if e.type == "tool_call"} == {0}, "one model step asks for all"
    finals = [e.data for e in events if e.type == "assistant"]
    assert len(finals) == 1
    assert finals[0]["final"]
    assert finals[0]["text"].splitlines() == [f"count: module={i} data={i}" for i in range(1, 11)]


def _thread_lines(root: Path, thread: str) -> list[dict[str, Any]]:
    path = root / "data/threads" / f"{thread}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_call_cut_off_by_kill_9_keeps_its_placeholder_when_a_later_turn_reuses_the_id(tmp_path: Path) -> None:
    """The scripted model numbers calls from call_1 in every turn: the later turn's result for its call_1 must
    not count as the result of the call the killed process never finished."""
    root = make_project(tmp_path / "agent", drain_timeout=1.0)
    proc = subprocess.Popen(
        [*CLI, str(root), "-m", '/call slow {"seconds": 60}', "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: list[dict[str, Any]] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not any(e["type"] == "tool_call" for e in lines):
            assert time.monotonic() < deadline
            raw = proc.stdout.readline()
            assert raw, "the CLI ended before the call"
            lines.append(json.loads(raw))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    capsule_pid = next(e["record"]["detail"]["pid"] for e in lines if e["type"] == "reload")
    try:
        os.killpg(capsule_pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    thread = next(e["thread"] for e in lines if e["type"] == "tool_call")
    cut = next(e for e in lines if e["type"] == "tool_call")
    later = subprocess.run(
        [*CLI, str(root), "-m", "/call version", "--thread", thread, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert later.returncode == 0, later.stderr
    reused = [e for e in _thread_lines(root, thread) if e["type"] == "tool_result"]
    # the cut-off call is closed by the next process to open the thread: an error result, in its own turn
    assert [(e["call_id"], e["result"], e["turn"] == cut["turn"]) for e in reused] == [
        (cut["call_id"], INTERRUPTED, True),
        (cut["call_id"], "v1", False),
    ], "the same call id"
    assert reused[0]["is_error"]
    assert reused[0]["interrupted"]

    # the next turn's model sees the cut-off call answered by the placeholder, the later one by its result
    server = ChatServer(lambda body: {"text": "seen"})
    try:
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
        last = subprocess.run(
            [*CLI, str(root), "-m", "what happened?", "--thread", thread, "--json", "--model", "openai:fake"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    finally:
        server.close()
    assert last.returncode == 0, last.stdout + last.stderr
    messages = server.requests[0]["messages"]
    answers = [m["content"] for m in messages if m["role"] == "tool" and m["tool_call_id"] == cut["call_id"]]
    assert answers == [INTERRUPTED, "v1"]
    calls = [c["id"] for m in messages if m["role"] == "assistant" for c in m.get("tool_calls", [])]
    assert len(calls) == 2


class NoIdServer(ChatServer):
    """An OpenAI-compatible server whose streamed tool calls carry no ``id`` (some local servers do this)."""

    def _openai(self, answer: dict[str, Any]) -> list[str]:
        frames = []
        for frame in super()._openai(answer):
            payload = frame[len("data: ") :].strip()
            if payload != "[DONE]":
                chunk = json.loads(payload)
                for choice in chunk["choices"]:
                    for call in choice["delta"].get("tool_calls", []):
                        call.pop("id", None)
                frame = f"data: {json.dumps(chunk)}\n\n"
            frames.append(frame)
        return frames


async def test_calls_without_provider_ids_get_ids_no_other_turn_uses(tmp_path: Path) -> None:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        if body["messages"][-1]["role"] == "tool":
            return {"text": "done"}
        return {"tool_calls": [{"name": "version"}, {"name": "count"}]}

    server = NoIdServer(reply)
    try:
        root = make_project(tmp_path / "agent", model="openai:fake")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            thread = rt.open_thread()
            await rt.run(thread, "one")
            await rt.run(thread, "two")
            history = rt.history(thread)
    finally:
        server.close()
    ids = [e.data["call_id"] for e in history if e.type == "tool_call"]
    assert len(ids) == 4
    assert len(set(ids)) == 4
    assert all(ids)
    last_request = server.requests[-1]["messages"]
    answered = [(m["tool_call_id"], m["content"]) for m in last_request if m["role"] == "tool"]
    assert answered == list(zip(ids, ["v1", "module=1 data=1", "v1", "module=2 data=2"]))
