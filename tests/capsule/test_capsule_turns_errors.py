"""A model that fails in a way nobody planned for ends the turn with an error event, never the process.

Real local servers on 127.0.0.1 (raw sockets or http.server), the real headless CLI, real capsules.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from capsule_helpers import make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

CLI = [sys.executable, "-m", "dapper_tui.capsule.cli"]


class GarbageServer:
    """Accepts HTTP requests on 127.0.0.1 and answers each with bytes that are not HTTP."""

    def __init__(self, answer: bytes = b"GARBAGE NOT HTTP\r\n\r\n") -> None:
        self.answer = answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.requests += 1
                conn.sendall(self.answer)

    def close(self) -> None:
        self.sock.close()


def test_a_bad_status_line_is_an_error_event_and_the_cli_exits_cleanly(tmp_path: Path) -> None:
    server = GarbageServer()
    try:
        root = make_project(tmp_path / "agent", model="openai:fake")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
        done = subprocess.run(
            [*CLI, str(root), "-m", "hello", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    finally:
        server.close()
    assert server.requests == 1
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    errors = [e["message"] for e in events if e["type"] == "error"]
    assert len(errors) == 1, errors
    assert "bad HTTP response" in errors[0], errors
    assert "BadStatusLine" in errors[0], errors
    thread = next(e["thread"] for e in events if e["type"] == "user")
    stored = [
        json.loads(line) for line in (root / "data/threads" / f"{thread}.jsonl").read_text().splitlines()
    ]
    kinds = [e["type"] for e in stored if e["type"] in ("user", "error", "turn_end")]
    assert kinds == ["user", "error", "turn_end"]


def _anthropic_server(frames_for: Callable[[int], list[str]]) -> ThreadingHTTPServer:
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            count[0] += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for frame in frames_for(count[0]):
                self.wfile.write(frame.encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _frame(kind: str, **payload: object) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **payload})}\n\n"


async def test_an_unexpected_exception_in_a_backend_ends_the_turn_not_the_session(tmp_path: Path) -> None:
    def frames_for(request: int) -> list[str]:
        if request == 1:  # a delta for a content block that was never started: the backend has no slot for it
            return [
                _frame("message_start", message={"id": "m1"}),
                _frame(
                    "content_block_delta", index=3, delta={"type": "input_json_delta", "partial_json": "{"}
                ),
            ]
        return [
            _frame("message_start", message={"id": "m2"}),
            _frame("content_block_start", index=0, content_block={"type": "text", "text": ""}),
            _frame("content_block_delta", index=0, delta={"type": "text_delta", "text": "fine again"}),
            _frame("message_stop"),
        ]

    server = _anthropic_server(frames_for)
    try:
        host, port = server.server_address[:2]
        root = make_project(tmp_path / "agent", model="anthropic:test")
        write(root, ".env", f"ANTHROPIC_BASE_URL=http://{host}:{port}\n")
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            thread = rt.open_thread()
            first = await rt.run(thread, "hi")
            second = await rt.run(thread, "again")
    finally:
        server.shutdown()
        server.server_close()
    assert [e.type for e in first] == ["user", "error", "turn_end"]
    assert first[1].data["message"].startswith("the turn failed unexpectedly: KeyError")
    assert [e.data["text"] for e in second if e.type == "assistant"] == ["fine again"]
    stored = [e.type for e in rt.history(thread)]
    assert stored.count("turn_end") == 2
    assert stored.count("error") == 1
