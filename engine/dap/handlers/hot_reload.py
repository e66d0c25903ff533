"""dapper/hotReload: reload a source file into the running program (dapper-tui's own request)."""

from __future__ import annotations

from typing import Any

from ...session import DebugSession
from ..args import RequestError, opt, source_path
from ..replies import Reply


class HotReload:
    def __init__(self, session: DebugSession) -> None:
        self.session = session

    def on_dapper_hotReload(self, args: dict[str, Any]) -> Reply:
        """The reload's result is the body; a failed reload is an error response that carries it too."""
        path = source_path(args)
        options = opt(args, "options", dict, {})
        try:
            result = self.session.reload(path, options)
        except ValueError as exc:  # a bad option
            raise RequestError(str(exc)) from None
        body = result.to_dict()
        if not result.ok:
            message = result.error or "hot reload failed"
            if result.hint:
                message += f" ({result.hint})"
            raise RequestError(message, body)
        return Reply(body)
