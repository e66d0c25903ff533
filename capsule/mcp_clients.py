"""The MCP server's connected client, for what ``dapper-tui mcp DIR`` sends outside a request.

A reload's ``notifications/tools/list_changed`` and ``notifications/prompts/list_changed``, and the log messages
(a tool's traceback, a file that failed to import, a failed install) go through ``Clients``; ``report`` also
writes the text to the server's stderr, which is what an MCP client keeps as the server's log.

``.env`` secrets (``capsule/secrets.py``) are redacted from all of it: ``Clients.redact`` is the server's
redactor, which ``DotenvEnvironment`` (``capsule/mcp_surface.py``) feeds each time it applies ``.env``. The
server also uses it for the tool listing and for a tool's error result (``capsule/mcp_server.py``).
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from dapper_tui.capsule.secrets import Redactor

LOGGER = "dapper-tui"


def log(text: str) -> None:
    """To stderr as it is: for the server's own texts (tool names, counts), never a tool's or a file's text."""
    print(text, file=sys.stderr, flush=True)


class Clients:
    """The connected client, for what the server sends outside a request: list_changed and log messages.

    A stdio server has one connection; the SDK hands each request a new session object over it, so the latest
    one is kept (one slot: one notification per reload, however many requests came before). Log messages from
    before the client initialized wait until it has.
    """

    def __init__(self, redact: Redactor | None = None) -> None:
        self.redact = redact or Redactor()
        self.session: Any = None
        self.ready = False
        self.pending: list[tuple[str, str]] = []
        self.bus: Any = None  # the SDK's subscriptions bus, for 2026-07-28 clients (subscriptions/listen)

    async def middleware(self, ctx: Any, call_next: Any) -> Any:
        self.session = ctx.session
        result = await call_next(ctx)
        if ctx.method != "initialize" and not self.ready:
            self.ready = True
            pending, self.pending = self.pending, []
            for level, text in pending:
                await self.log(level, text)
        return result

    def _modern(self) -> bool:
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        return getattr(self.session, "protocol_version", "") in MODERN_PROTOCOL_VERSIONS

    def stderr(self, text: str) -> None:
        log(self.redact.text(text))

    async def report(self, level: str, text: str) -> None:
        """``text`` to stderr and to the client as a log message."""
        self.stderr(text)
        await self.log(level, text)

    async def log(self, level: str, text: str) -> None:
        if self.session is None or not self.ready:
            self.pending.append((level, text))
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the logging capability is deprecated at 2026-07-28
                await self.session.send_log_message(level, self.redact.text(text), logger=LOGGER)
        except Exception as exc:
            log(f"log message not sent: {exc}")

    async def tools_changed(self) -> None:
        await self._changed("tools")

    async def prompts_changed(self) -> None:
        await self._changed("prompts")

    async def _changed(self, what: str) -> None:
        from mcp.shared.subscriptions import PromptsListChanged, ToolsListChanged

        if self.bus is not None:
            await self.bus.publish(ToolsListChanged() if what == "tools" else PromptsListChanged())
        if self.session is None or self._modern():
            return
        try:
            if what == "tools":
                await self.session.send_tool_list_changed()
            else:
                await self.session.send_prompt_list_changed()
        except Exception as exc:
            log(f"{what} list_changed not sent: {exc}")
