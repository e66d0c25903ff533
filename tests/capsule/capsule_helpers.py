"""Fixtures for the agent capsule tests: real project folders, real capsule subprocesses, real files. Files are
written with the shared `helpers.write(folder, name, source)` (tests/helpers.py)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from dapper_tui.capsule.events import Event
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

PY = sys.executable


@pytest.fixture(autouse=True)
def bytecode_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Users' machines write bytecode; this one sets PYTHONDONTWRITEBYTECODE, which hides stale-bytecode bugs."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.delenv("DAPPER_MODEL", raising=False)


TOOL_V1 = """\
import os
import time
from pathlib import Path

VERSION = "v1"
CALLS = 0  # module state: recreated on every capsule reload


def version() -> str:
    \"\"\"The tool module's version.\"\"\"
    return VERSION


def slow(seconds: float = 1.0) -> str:
    \"\"\"Sleep, then report the version that answered.\"\"\"
    time.sleep(seconds)
    return VERSION


def gated() -> str:
    \"\"\"Wait until the test opens the gate (data/gate exists), then report the version that answered.\"\"\"
    gate = Path(os.environ["DAPPER_AGENT_DATA"]) / "gate"
    for _ in range(3000):
        if gate.exists():
            return VERSION
        time.sleep(0.01)
    return "gate never opened"


def count() -> str:
    \"\"\"Count calls in module state and in data/.\"\"\"
    global CALLS
    CALLS += 1
    path = Path(os.environ["DAPPER_AGENT_DATA"]) / "count.txt"
    total = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(total))
    return f"module={CALLS} data={total}"
"""


def make_project(
    root: Path, *, drain_timeout: float = 5.0, model: str = "scripted", extra_toml: str = ""
) -> Path:
    write(
        root,
        "agent.toml",
        f"""\
        name = "testagent"
        model = "{model}"
        {extra_toml}
        [runtime]
        drain_timeout = {drain_timeout}
        start_timeout = 20
        """,
    )
    write(root, "src/tools/t.py", TOOL_V1)
    write(root, "src/identity.md", "You are {{name}}.\n")
    (root / "data").mkdir(exist_ok=True)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "agent")


class Recorder:
    """Collects every event of a runtime; waits for the ones a test expects."""

    def __init__(self, runtime: AgentRuntime) -> None:
        self.events: list[Event] = []
        self._used: set[int] = set()  # each waited-for event is returned once
        self._records: set[tuple[object, ...]] = set()
        self._changed = asyncio.Event()
        runtime.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        if event.type == "reload":  # a record arrives once per open thread; keep one copy
            record = event.data["record"]
            key = (record["timestamp"], record["path"], record["outcome"])
            if key in self._records:
                return
            self._records.add(key)
        self.events.append(event)
        self._changed.set()

    def reloads(self) -> list[dict[str, object]]:
        return [e.data["record"] for e in self.events if e.type == "reload"]

    async def wait(self, predicate: Callable[[Event], bool], timeout: float = 20.0) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            for index in range(len(self.events)):
                if index not in self._used and predicate(self.events[index]):
                    self._used.add(index)
                    return self.events[index]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event; got {[e.to_dict() for e in self.events][-8:]}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    async def reload(self, outcome: str, timeout: float = 20.0, **detail: object) -> dict[str, object]:
        def match(event: Event) -> bool:
            if event.type != "reload":
                return False
            record = event.data["record"]
            if record["outcome"] != outcome:
                return False
            return all(record["detail"].get(k) == v for k, v in detail.items())

        return (await self.wait(match, timeout)).data["record"]


async def final_text(runtime: AgentRuntime, thread: str | None, text: str) -> tuple[str, list[Event]]:
    events = await runtime.run(thread, text)
    finals = [e.data["text"] for e in events if e.type == "assistant"]
    return (finals[-1] if finals else ""), events


@pytest.fixture
async def runtime(project: Path) -> AsyncIterator[AgentRuntime]:
    # no warm spare: it saves wall time per swap but costs an interpreter start per test (tests are CPU-bound);
    # the spare path has its own tests
    rt = AgentRuntime(project, drain_timeout=5.0, warm_spare=False)
    await rt.start()
    try:
        yield rt
    finally:
        await rt.close()


def pids_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class ChatServer:
    """A real HTTP server on 127.0.0.1 speaking streamed OpenAI chat completions (or Anthropic messages).

    ``reply(body) -> {"text": str} | {"tool_calls": [{"name", "arguments"}]}`` decides each answer; every
    request body is kept in ``requests``. Text and tool-call arguments are streamed in small fragments.
    """

    def __init__(self, reply: Callable[[dict[str, Any]], dict[str, Any]], flavor: str = "openai") -> None:
        self.reply = reply
        self.flavor = flavor
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.headers.append(dict(self.headers))
                answer = server.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                frames = server._openai(answer) if server.flavor == "openai" else server._anthropic(answer)
                for frame in frames:
                    self.wfile.write(frame.encode())
                    self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}" + ("/v1" if self.flavor == "openai" else "")

    @staticmethod
    def _pieces(text: str, size: int = 4) -> list[str]:
        return [text[i : i + size] for i in range(0, len(text), size)] or [""]

    def _openai(self, answer: dict[str, Any]) -> list[str]:
        def frame(delta: dict[str, Any], finish: str | None = None) -> str:
            chunk = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "model": "fake",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(chunk)}\n\n"

        frames = [frame({"role": "assistant", "content": ""})]
        for piece in self._pieces(answer.get("text", "")):
            if piece:
                frames.append(frame({"content": piece}))
        for index, call in enumerate(answer.get("tool_calls", [])):
            args = json.dumps(call.get("arguments", {}))
            frames.append(
                frame(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": f"call_{len(self.requests)}_{index}",
                                "type": "function",
                                "function": {"name": call["name"], "arguments": ""},
                            }
                        ]
                    }
                )
            )
            for piece in self._pieces(args, 5):
                frames.append(frame({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        frames.append(frame({}, "tool_calls" if answer.get("tool_calls") else "stop"))
        frames.append("data: [DONE]\n\n")
        return frames

    def _anthropic(self, answer: dict[str, Any]) -> list[str]:
        def frame(kind: str, payload: dict[str, Any]) -> str:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **payload})}\n\n"

        frames = [frame("message_start", {"message": {"id": "m1", "role": "assistant", "content": []}})]
        index = 0
        if answer.get("text"):
            frames.append(
                frame("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
            )
            for piece in self._pieces(answer["text"]):
                frames.append(
                    frame("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": piece}})
                )
            frames.append(frame("content_block_stop", {"index": 0}))
            index = 1
        for i, call in enumerate(answer.get("tool_calls", [])):
            block = {
                "type": "tool_use",
                "id": f"toolu_{len(self.requests)}_{i}",
                "name": call["name"],
                "input": {},
            }
            frames.append(frame("content_block_start", {"index": index, "content_block": block}))
            for piece in self._pieces(json.dumps(call.get("arguments", {})), 5):
                frames.append(
                    frame(
                        "content_block_delta",
                        {"index": index, "delta": {"type": "input_json_delta", "partial_json": piece}},
                    )
                )
            frames.append(frame("content_block_stop", {"index": index}))
            index += 1
        frames.append(frame("message_delta", {"delta": {"stop_reason": "end_turn"}}))
        frames.append(frame("message_stop", {}))
        return frames

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
