"""Cancelling a running turn, queued messages, and streamed text in plain mode: real capsules, real HTTP
model servers on 127.0.0.1, the real CLI process."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from capsule_helpers import Recorder, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write
from test_capsule_cli import CLI, Session


class HeldStream:
    """An OpenAI-compatible server that streams ``first``, then holds the rest of its answer until
    ``release`` is set (or 60 s pass), then streams ``last`` (and sets ``sent_last``). ``closed`` is set when
    the client hung up."""

    def __init__(self, first: str, last: str) -> None:
        self.release = threading.Event()
        self.sent_last = threading.Event()
        self.closed = threading.Event()
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()

                def frame(delta: dict[str, object], finish: str | None = None) -> bytes:
                    chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    return f"data: {json.dumps(chunk)}\n\n".encode()

                try:
                    self.wfile.write(frame({"content": first}))
                    self.wfile.flush()
                    deadline = time.monotonic() + 60
                    while not server.release.wait(0.05) and time.monotonic() < deadline:
                        self.wfile.write(b": keep-alive\n\n")  # a closed connection shows up here
                        self.wfile.flush()
                    server.sent_last.set()
                    self.wfile.write(frame({"content": last}) + frame({}, "stop") + b"data: [DONE]\n\n")
                    self.wfile.flush()
                except OSError:
                    server.closed.set()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


async def test_cancel_a_running_tool_call(project: Path) -> None:
    async with AgentRuntime(project, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        thread = rt.open_thread(None)
        import asyncio

        turn = asyncio.get_running_loop().create_task(rt.run(thread, "/call gated"))
        await rec.wait(lambda e: e.type == "tool_call")
        assert rt.turn_running(thread)
        assert rt.cancel(thread)
        events = await asyncio.wait_for(turn, 20)  # send ends normally
        result = next(e for e in events if e.type == "tool_result")
        assert (result.data["result"], result.data["is_error"], result.data["cancelled"]) == (
            "cancelled",
            True,
            True,
        )
        assert [e.data["message"] for e in events if e.type == "error"] == ["cancelled"]
        assert events[-1].type == "turn_end"
        assert not rt.turn_running(thread)
        assert not rt.cancel(thread)
        # the thread goes on: the next turn runs, and the model saw the cancelled call
        after = await rt.run(thread, "/call version")
        assert [e.data["result"] for e in after if e.type == "tool_result"] == ["v1"]
    stored = [e.type for e in rt.history(thread)]
    assert stored.count("tool_result") == 2
    assert "error" in stored


async def test_cancel_while_the_model_streams_closes_its_connection(tmp_path: Path) -> None:
    import asyncio

    server = HeldStream("thinking", " done")
    try:
        root = make_project(tmp_path / "agent", model="openai:fake")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            rec = Recorder(rt)
            thread = rt.open_thread(None)
            turn = asyncio.get_running_loop().create_task(rt.run(thread, "hello"))
            await rec.wait(lambda e: e.type == "assistant_delta")
            assert rt.cancel(thread)
            events = await asyncio.wait_for(turn, 10)
            assert [e.data["message"] for e in events if e.type == "error"] == ["cancelled"]
            assert not any(e.type == "assistant" for e in events)
            assert await asyncio.to_thread(server.closed.wait, 10), "the model's connection was closed"
    finally:
        server.close()


def test_json_cancel_line_and_a_queued_message(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    session = Session(root)
    try:
        ready = session.until(lambda e: e["type"] == "ready")
        session.send("/call gated")
        session.until(lambda e: e["type"] == "tool_call")
        session.send("after the cancel")
        queued = session.until(lambda e: e["type"] == "queued")
        assert (queued["message"], queued["position"], queued["thread"]) == (
            "after the cancel",
            1,
            ready["thread"],
        )
        session.send_line('{"cancel": true}')
        result = session.until(lambda e: e["type"] == "tool_result")
        assert result["result"] == "cancelled"
        assert result["is_error"]
        assert result["cancelled"]
        error = session.until(lambda e: e["type"] == "error")
        assert error["message"] == "cancelled"
        session.until(lambda e: e["type"] == "turn_end")
        reply = session.until(lambda e: e["type"] == "assistant")
        assert reply["text"] == "echo: after the cancel"  # the queued message ran after
        session.until(lambda e: e["type"] == "turn_end")
        assert session.proc.stdin is not None
        session.proc.stdin.close()
        assert session.proc.wait(15) == 0
    finally:
        session.proc.kill()


def test_plain_one_turn_streams_text_as_it_arrives(tmp_path: Path) -> None:
    server = HeldStream("FIRST-PIECE", " LAST-PIECE")
    root = make_project(tmp_path / "agent", model="openai:fake")
    write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
    proc = subprocess.Popen(
        [*CLI, str(root), "-m", "hello"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out = bytearray()

    def read() -> None:  # byte by byte as they come: no line end follows the first piece for a while
        assert proc.stdout is not None
        while chunk := os.read(proc.stdout.fileno(), 4096):
            out.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while b"FIRST-PIECE" not in out and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        seen_first_early = b"FIRST-PIECE" in out and not server.sent_last.is_set()
        server.release.set()
        assert proc.wait(30) == 0, proc.stderr.read() if proc.stderr else ""
        reader.join(10)
    finally:
        proc.kill()
        server.close()
    assert seen_first_early, f"the first piece was not printed before the last was sent: {bytes(out)!r}"
    assert "agent: FIRST-PIECE LAST-PIECE\n" in out.decode()


def test_ctrl_c_during_one_turn_cancels_it_and_keeps_the_thread(tmp_path: Path) -> None:
    import signal

    root = make_project(tmp_path / "agent")
    proc = subprocess.Popen(
        [*CLI, str(root), "-m", "/call gated", "--json"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for raw in proc.stdout:
            lines.append(json.loads(raw))
            if lines[-1]["type"] == "tool_call":
                proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 130
    finally:
        proc.kill()
    result = next(e for e in lines if e["type"] == "tool_result")
    assert result["result"] == "cancelled"
    assert result["cancelled"]
    thread = result["thread"]
    stored = [json.loads(x) for x in (root / "data/threads" / f"{thread}.jsonl").read_text().splitlines()]
    assert [e["message"] for e in stored if e["type"] == "error"] == ["cancelled"]
    assert stored[-1]["type"] == "turn_end"
