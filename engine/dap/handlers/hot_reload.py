"""dapper/hotReload: reload a source file into the running program (dapper-tui's own request).

The reload runs off the reader thread (a large module takes seconds), so that `threads`, `pause` and
`disconnect` are answered meanwhile. A file that is not a regular file (a FIFO, a device, a directory) is refused
at once, before anything opens it."""

from __future__ import annotations

from typing import Any

from ...hotreload import regular_file_refusal
from ...session import DebugSession
from ...sources import canonical
from ..args import RequestError, opt, source_path
from ..replies import Body, Deferred, Reply


class HotReload:
    def __init__(self, session: DebugSession) -> None:
        self.session = session

    def on_dapper_hotReload(self, args: dict[str, Any]) -> Reply | Deferred:
        """The reload's result is the body; a failed reload is an error response that carries it too."""
        path = source_path(args)
        options = opt(args, "options", dict, {})
        refusal = regular_file_refusal(canonical(path))
        if refusal is not None:
            raise RequestError(f"{refusal[0]} ({refusal[1]})")
        return Deferred(lambda: self._reload(path, options))

    def _reload(self, path: str, options: dict[str, Any]) -> Body:
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
        return body
