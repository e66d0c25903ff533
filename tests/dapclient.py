"""A small, real DAP client: frames messages over a subprocess's stdio or a TCP socket.

Imported one way, `from dapclient import DapClient` (tests/ is on sys.path: pytest puts the folder of the
top-level conftest.py there); the DAP tests and the entry tests that launch through the DAP server use it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from helpers import wait_until

T = TypeVar("T")

PYTHON = sys.executable
SERVER = [PYTHON, "-m", "dapper_tui.engine.dap.server"]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # hot reload must meet stale bytecode as users do
    env["PYTHONUNBUFFERED"] = "1"
    return env


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
    text = b""

    def announced() -> bool:
        nonlocal text
        log.seek(0)
        text = log.read()
        return b"listening on" in text or proc.poll() is not None

    wait_until(announced, 15, lambda: f"no port announced by the server: {text!r}", interval=0.05)
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

    def next_client(self, timeout: float = 20.0) -> DapClient:
        """A new client of this client's --port server, once the server is done with the one before (it answers
        a client that comes too early with "busy"); not yet initialized (`start` does that)."""
        assert self.port is not None

        def accepted() -> DapClient | None:
            client = DapClient.connect(self.port, self.token)  # type: ignore[arg-type]
            r = client.response(client.send("initialize", {"adapterID": "dapper", "dapperToken": self.token}))
            if r["success"]:
                client.seq = 0  # start() initializes again: the server answers a second initialize as well
                return client
            client._close()
            assert "busy" in r.get("message", ""), r
            return None

        return wait_until(accepted, timeout, "the --port server to take the next client", interval=0.05)

    def stop_server(self) -> None:
        """End this client's --port server (it serves clients until it is stopped)."""
        self._close()
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(10)

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

    def _until(self, ready: Callable[[], T], timeout: float, failure: Callable[[], str]) -> T:
        """What `ready()` returns, once it is true (checked as each message comes in); past `timeout` seconds or
        at the end of the connection, AssertionError with `failure()`."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while not (result := ready()):
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise AssertionError(failure())
                self._cv.wait(left)
            return result

    def response(self, seq: int, timeout: float = 20.0) -> dict[str, Any]:
        return self._until(
            lambda: self.responses.get(seq),
            timeout,
            lambda: f"no response to request {seq}; got {self.all[-5:]}",
        )

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

        def found() -> dict[str, Any] | None:
            for ev in self.events[start:]:
                body = ev.get("body", {})
                if ev["event"] == name and all(body.get(k) == v for k, v in match.items()):
                    return ev
            return None

        def failure() -> str:
            names = [e["event"] for e in self.events]
            return f"no {name} event {match}; events: {names}; output: {self.output()!r}"

        return self._until(found, timeout, failure)

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
        """The program's output in `category`, once `text` is in it."""

        def printed() -> str:
            out = self.output(category)
            return out if text in out else ""

        return self._until(printed, timeout, lambda: f"{text!r} not in output {self.output(category)!r}")

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
                return self.server_exit(timeout, "the server did not exit after disconnect")
            finally:
                for f in (self.proc.stdout, self.proc.stdin):
                    if f:
                        f.close()
        return None

    def server_exit(self, timeout: float = 20.0, failure: str = "the server did not exit") -> int:
        """The server's exit code, once it has ended; past `timeout` seconds it is killed, and AssertionError."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(failure) from None

    def stderr(self) -> str:
        log = getattr(self.proc, "log", None)
        if log is None:
            return ""
        log.seek(0)
        return log.read().decode("utf-8", "replace")
