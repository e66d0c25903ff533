"""Helpers for the `dapper-tui mcp DIR` tests: the real Python MCP client over stdio against a real subprocess."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from installed_packages import build_wheel
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

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


class ServerStderr:
    """The server's stderr, in a file, with a last line saying how it exited (from a ``sh`` around the server).

    The client closes the server's stdin at exit and kills it (its whole process group, the ``sh`` too) if it
    has not exited within the SDK's grace period: the exit line is there only when the server ended by itself.
    """

    MARK = "dapper-test: server exited with status "

    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self) -> str:
        return self.path.read_text() if self.path.exists() else ""

    def exit_status(self) -> int | None:
        line = next((ln for ln in self.text().splitlines() if ln.startswith(self.MARK)), None)
        return None if line is None else int(line.removeprefix(self.MARK))


@asynccontextmanager
async def connect(
    root: Path, env: dict[str, str] | None = None, stderr: ServerStderr | None = None
) -> AsyncIterator[tuple[Client, Seen]]:
    """The real client on a real ``dapper-tui mcp root``; with ``stderr``, the server's stderr goes there."""
    seen = Seen()
    params = server_params(root, env)
    server: Any = params
    if stderr is not None:
        script = f'"$@"; echo "{ServerStderr.MARK}$?" >&2'
        params = params.model_copy(
            update={"command": "sh", "args": ["-c", script, "sh", params.command, *params.args]}
        )
    with open(stderr.path, "w") if stderr is not None else contextlib.nullcontext() as errlog:
        if errlog is not None:
            server = stdio_client(params, errlog=errlog)
        async with Client(
            server,
            mode="legacy",
            logging_callback=seen.on_log,
            message_handler=seen.on_message,
        ) as client:
            yield client, seen


def wheel(target: Path, name: str, value: str) -> Path:
    """A minimal pure-Python wheel: package `name` whose VALUE is `value`."""
    return build_wheel(target, name, {f"{name}/__init__.py": f"VALUE = {value!r}\n"})


TYPED_TOOLS = '''\
import datetime as dt
import enum
import socket
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Item(BaseModel):
    name: str
    quantity: int = 1


class Order(BaseModel):
    customer: str
    items: list[Item]


@dataclass
class Window:
    start: dt.date
    days: int


class Receipt(BaseModel):
    customer: str
    total_items: int
    when: dt.datetime


def paint(color: Color) -> str:
    """Say which enum member arrived.

    Args:
        color: the colour to paint with.
    """
    return f"{type(color).__name__}.{color.name}"


def place(order: Order, at: dt.datetime) -> Receipt:
    """Place an order (a pydantic model argument, a typed result)."""
    assert isinstance(order, Order) and isinstance(at, dt.datetime)
    return Receipt(customer=order.customer, total_items=sum(i.quantity for i in order.items), when=at)


def span(window: Window, size: Literal["s", "m", "l"] = "m") -> str:
    """A dataclass and a Literal."""
    assert isinstance(window, Window) and isinstance(window.start, dt.date)
    return f"{window.start.isoformat()}+{window.days} {size}"


def pick(n: Annotated[int, Field(ge=1, le=10, description="how many, 1 to 10")]) -> int:
    """A bounded integer."""
    return n * 2


def broken(sock: socket.socket) -> str:
    """No JSON schema exists for a socket: this tool is left out, the others serve."""
    return "never"
'''

SLOW = '''\
import anyio
from mcp.server.mcpserver import Context


async def crunch(steps: int, ctx: Context) -> str:
    """Report progress at each step, and log to the client."""
    await ctx.info(f"crunching {steps} steps")
    for i in range(steps):
        await ctx.report_progress(i + 1, steps, f"step {i + 1}")
        await anyio.sleep(0)
    return "crunched"


def fail(why: str) -> str:
    """Raise."""
    raise ValueError(why)
'''


def typed_project(tmp_path: Path) -> Path:
    """A project with typed tools (one the SDK cannot describe), prompts and data/ files."""
    from capsule_helpers import make_project
    from helpers import write

    root = make_project(tmp_path / "agent")
    (root / "src/tools/t.py").unlink()
    write(root, "src/tools/typed.py", TYPED_TOOLS)
    write(root, "src/tools/slow.py", SLOW)
    write(
        root,
        "src/prompts/review/code.md",
        "---\nname: review\ndescription: Review a file\narguments: [path, style]\n---\n"
        "Review {{path}} in a {{style}} style.\n",
    )
    write(root, "src/prompts/hello.md", "Say hello to {{who}}.\n")
    write(root, "data/notes/today.txt", "buy milk\n")
    (root / "data/blob.bin").write_bytes(b"\x00\x01\xff")
    return root
