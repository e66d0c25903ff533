"""Helpers for the `dapper-tui mcp DIR` tests: the real Python MCP client over stdio against a real subprocess."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

DAPPER = [sys.executable, "-m", "dapper_tui"]


def server_params(root: Path, env: dict[str, str] | None = None, *extra: str) -> StdioServerParameters:
    base = {**os.environ, "PYTHONUNBUFFERED": "1"} if env is None else env
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    return StdioServerParameters(
        command=DAPPER[0], args=[*DAPPER[1:], "mcp", str(root), *extra], env=base, cwd=str(root.parent)
    )


class Seen:
    """What the server sent outside responses: log messages, list_changed notifications, progress."""

    def __init__(self) -> None:
        self.logs: list[str] = []
        self.tools_changed = 0
        self.prompts_changed = 0
        self._event = anyio.Event()

    def _poke(self) -> None:
        self._event.set()
        self._event = anyio.Event()

    async def on_log(self, params: Any) -> None:
        self.logs.append(str(params.data))
        self._poke()

    async def on_message(self, message: Any) -> None:
        name = type(getattr(message, "root", message)).__name__
        text = repr(message)
        if "ToolListChanged" in name or "tools/list_changed" in text:
            self.tools_changed += 1
        elif "PromptListChanged" in name or "prompts/list_changed" in text:
            self.prompts_changed += 1
        self._poke()

    async def until(self, check: Callable[[], bool], timeout: float = 20.0) -> None:
        with anyio.fail_after(timeout):
            while not check():
                event = self._event
                with anyio.move_on_after(0.2):
                    await event.wait()

    def log_with(self, text: str) -> str | None:
        return next((entry for entry in self.logs if text in entry), None)


@asynccontextmanager
async def connect(root: Path, env: dict[str, str] | None = None) -> AsyncIterator[tuple[Client, Seen]]:
    seen = Seen()
    async with Client(
        server_params(root, env),
        mode="legacy",
        logging_callback=seen.on_log,
        message_handler=seen.on_message,
    ) as client:
        yield client, seen


def wheel(target: Path, name: str, value: str) -> Path:
    """A minimal pure-Python wheel, built by hand (no build backend, no network)."""
    import base64
    import hashlib
    import zipfile

    dist = f"{name}-0.1.dist-info"
    files = {
        f"{name}/__init__.py": f"VALUE = {value!r}\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    target.mkdir(parents=True, exist_ok=True)
    out = target / f"{name}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return out
