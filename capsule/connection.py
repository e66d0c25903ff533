"""The manager's side of one capsule: a small MCP (JSON-RPC over stdio) client for a subprocess we own.

The manager needs things the SDK's stdio client does not give it: it starts the process itself (a warm spare
is started before it is needed), it must drain in-flight calls before closing stdin (the server cancels its
handlers when stdin closes) and it must be able to kill a hung tool's process group. The host itself is
tested against the official ``mcp`` client; this one speaks the same handshake-era protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Callable
from typing import Any

PROTOCOL_VERSION = "2025-11-25"


class CapsuleError(Exception):
    pass


class CapsuleConnection:
    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        on_notification: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.proc = proc
        self._on_notification = on_notification
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.get_running_loop().create_task(self._read())
        self.closed = asyncio.Event()

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        try:
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    break
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "id" in message and ("result" in message or "error" in message):
                    future = self._pending.pop(message["id"], None)
                    if future is not None and not future.done():
                        future.set_result(message)
                elif "method" in message and "id" in message:
                    result: dict[str, Any] = {}
                    if message["method"] != "ping":
                        result = {"error": {"code": -32601, "message": "method not found"}}
                    await self._send({"jsonrpc": "2.0", "id": message["id"], **(result or {"result": {}})})
                elif "method" in message and self._on_notification is not None:
                    self._on_notification(message["method"], message.get("params") or {})
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(CapsuleError("capsule process exited"))
            self._pending.clear()
            self.closed.set()

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        if self.proc.stdin.is_closing():
            raise CapsuleError("capsule stdin is closed")
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        try:
            await self.proc.stdin.drain()
        except (ConnectionError, BrokenPipeError) as exc:
            raise CapsuleError(f"capsule process is gone: {exc}") from exc

    async def request(
        self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None
    ) -> Any:
        if self.closed.is_set():
            raise CapsuleError("capsule process exited")
        self._next_id += 1
        request_id = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        await self._send(message)
        try:
            reply = await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(request_id, None)
        if "error" in reply:
            raise CapsuleError(f"{method}: {reply['error'].get('message', reply['error'])}")
        return reply["result"]

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self._send(message)

    async def initialize(self, timeout: float | None = None) -> dict[str, Any]:
        result = await self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "dapper-tui", "version": "0.1.0"},
            },
            timeout=timeout,
        )
        await self.notify("notifications/initialized")
        return result

    async def list_tools(self, timeout: float | None = None) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            result = await self.request("tools/list", {"cursor": cursor} if cursor else {}, timeout=timeout)
            tools.extend(result.get("tools", []))
            cursor = result.get("nextCursor")
            if not cursor:
                return tools

    async def call_tool(
        self, name: str, arguments: dict[str, Any], meta: dict[str, Any] | None = None
    ) -> tuple[str, bool]:
        params: dict[str, Any] = {"name": name, "arguments": arguments}
        if meta:
            params["_meta"] = meta
        result = await self.request("tools/call", params)
        texts = [c.get("text", "") for c in result.get("content", []) if c.get("type") == "text"]
        return "\n".join(texts), bool(result.get("isError"))

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    async def close(self, timeout: float = 2.0) -> None:
        """Close stdin (the server exits), then wait; kill if it does not."""
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.kill()
            await self.proc.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    def kill(self) -> None:
        """SIGKILL the capsule's whole process group (a tool's child processes too)."""
        if self.proc.returncode is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
