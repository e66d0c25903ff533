"""A small, real DAP client: frames messages over a subprocess's stdio or a TCP socket."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

PYTHON = sys.executable
SERVER = [PYTHON, "-m", "dapper_tui.engine.dap.server"]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # hot reload must meet stale bytecode as users do
    env["PYTHONUNBUFFERED"] = "1"
    return env


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    return path


def start_tcp_server(*extra: str) -> tuple[subprocess.Popen, int, str | None]:
    """`dapper-tui dap --port 0 ...` as a subprocess: (the process, its port, its token or None). Its stderr
    goes to `proc.log`."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [*SERVER, "--port", "0", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        env=server_env(),
    )
    proc.log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + 15
    m = None
    text = b""
    while m is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        log.seek(0)
        text = log.read()
        m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", text)
    assert m, f"no port announced by the server (exit {proc.poll()}): {text!r}"
    t = re.search(rb"dapper-tui dap: token (\S+)", text)
    return proc, int(m.group(1)), t.group(1).decode() if t else None


class DapClient:
    def __init__(self, send: Any, recv: Any, close: Any, proc: subprocess.Popen | None = None) -> None:
        self._send_bytes = send
        self._recv = recv
        self._close = close
        self.proc = proc
        self.seq = 0
        self.token: str | None = None  # the server's token (--port): sent in initialize
        self.port: int | None = None
        self.responses: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.all: list[dict[str, Any]] = []
        self._cv = threading.Condition()
        self._eof = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- connections --------------------------------------------------------------------------------------
    @classmethod
    def stdio(cls, cwd: Path | None = None) -> DapClient:
        log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        proc = subprocess.Popen(
            SERVER,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=server_env(),
            cwd=cwd,
            bufsize=0,
        )
        proc.log = log  # type: ignore[attr-defined]
        assert proc.stdin
        assert proc.stdout

        def close() -> None:
            try:
                proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass

        def send(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[proc.stdin.write(view) :]  # type: ignore[union-attr]

        return cls(send, lambda: proc.stdout.read(65536), close, proc)  # type: ignore[union-attr]

    @classmethod
    def tcp(cls, *extra: str) -> DapClient:
        """A server on a free port (`dapper-tui dap --port 0 ...`), and a client connected to it that knows
        the server's token."""
        proc, port, token = start_tcp_server(*extra)
        client = cls.connect(port, token)
        client.proc = proc
        return client

    @classmethod
    def connect(cls, port: int, token: str | None = None) -> DapClient:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.settimeout(None)

        def close() -> None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

        client = cls(sock.sendall, lambda: sock.recv(65536), close)
        client.token, client.port = token, port
        return client

    # -- reading ------------------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        buf = b""
        while True:
            try:
                data = self._recv()
            except OSError:
                data = b""
            if not data:
                break
            buf += data
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                m = re.search(rb"Content-Length: (\d+)", buf[:end])
                assert m, f"bad header from the server: {buf[:end]!r}"
                n = int(m.group(1))
                if len(buf) < end + 4 + n:
                    break
                msg = json.loads(buf[end + 4 : end + 4 + n])
                buf = buf[end + 4 + n :]
                with self._cv:
                    self.all.append(msg)
                    if msg.get("type") == "response":
                        self.responses[msg["request_seq"]] = msg
                    elif msg.get("type") == "event":
                        self.events.append(msg)
                    self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    # -- writing ------------------------------------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        self._send_bytes(data)

    def send(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        self.seq += 1
        msg: dict[str, Any] = {"seq": self.seq, "type": "request", "command": command}
        if arguments is not None:
            msg["arguments"] = arguments
        body = json.dumps(msg).encode()
        self._send_bytes(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def response(self, seq: int, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cv:
            while seq not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise AssertionError(f"no response to request {seq}; got {self.all[-5:]}")
                self._cv.wait(left)
            return self.responses[seq]

    def request(self, command: str, arguments: dict[str, Any] | None = None, timeout: float = 20.0) -> Any:
        """Send a request; return its body, or raise AssertionError with the server's message."""
        r = self.response(self.send(command, arguments), timeout)
        assert r["success"], f"{command} failed: {r.get('message')}"
        return r.get("body", {})

    def fail(self, command: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.response(self.send(command, arguments))
        assert not r["success"], f"{command} succeeded: {r}"
        return r

    def wait_event(self, name: str, timeout: float = 20.0, start: int = 0, **match: Any) -> dict[str, Any]:
        """The first event `name` (at index >= start) whose body has the given values."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for ev in self.events[start:]:
                    body = ev.get("body", {})
                    if ev["event"] == name and all(body.get(k) == v for k, v in match.items()):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    names = [e["event"] for e in self.events]
                    raise AssertionError(
                        f"no {name} event {match}; events: {names}; output: {self.output()!r}"
                    )
                self._cv.wait(left)

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """Whether the server closed the connection within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while not self._eof:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(left)
            return True

    def mark(self) -> int:
        with self._cv:
            return len(self.events)

    def output(self, category: str = "stdout") -> str:
        with self._cv:
            return "".join(
                e["body"]["output"]
                for e in self.events
                if e["event"] == "output" and e["body"].get("category") == category
            )

    def wait_output(self, text: str, category: str = "stdout", timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        with self._cv:
            while text not in self.output(category):
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise AssertionError(f"{text!r} not in output {self.output(category)!r}")
                self._cv.wait(left)
            return self.output(category)

    # -- scenarios ----------------------------------------------------------------------------------------
    def initialize(self) -> dict[str, Any]:
        args = {"adapterID": "dapper", "linesStartAt1": True, "columnsStartAt1": True, "pathFormat": "path"}
        if self.token is not None:
            args["dapperToken"] = self.token
        caps = self.request("initialize", args)
        self.wait_event("initialized")
        return caps

    def start(
        self,
        program: Path,
        breakpoints: dict[Path, list[dict[str, Any]]] | None = None,
        **launch: Any,
    ) -> dict[str, Any]:
        caps = self.initialize()
        self.request("launch", {"program": str(program), **launch})
        for path, bps in (breakpoints or {}).items():
            self.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": bps})
        self.request("configurationDone")
        return caps

    def stopped(self, start: int = 0, timeout: float = 20.0) -> dict[str, Any]:
        return self.wait_event("stopped", timeout, start)["body"]

    def top_frame(self, thread_id: int) -> dict[str, Any]:
        return self.request("stackTrace", {"threadId": thread_id})["stackFrames"][0]

    def locals(self, frame_id: int) -> dict[str, str]:
        scopes = self.request("scopes", {"frameId": frame_id})["scopes"]
        ref = next(s["variablesReference"] for s in scopes if s["name"] == "Locals")
        return {
            v["name"]: v["value"] for v in self.request("variables", {"variablesReference": ref})["variables"]
        }

    def close(self, timeout: float = 20.0) -> int | None:
        try:
            self.response(self.send("disconnect", {"terminateDebuggee": True}), timeout=5)
        except (AssertionError, OSError):
            pass
        self._close()
        if self.proc is not None:
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the server did not exit after disconnect") from None
            finally:
                for f in (self.proc.stdout, self.proc.stdin):
                    if f:
                        f.close()
        return None

    def stderr(self) -> str:
        log = getattr(self.proc, "log", None)
        if log is None:
            return ""
        log.seek(0)
        return log.read().decode("utf-8", "replace")
