"""Who may use a `dapper-tui dap --port` server: the clients that know its token.

A client on a TCP port can launch any program as the server's user and read files through `source`, so the
server makes a random token at start (or takes `DAPPER_TUI_DAP_TOKEN` from its environment), prints it on
stderr, and requires it as the `dapperToken` argument of `initialize`, `launch` or `attach`:

- `initialize` without a token is answered (capabilities), but the `initialized` event is kept back until a
  `launch`/`attach` brings the token (VS Code puts launch.json's keys into the `launch`/`attach` arguments);
- a wrong token, or any other request before the token, gets an error response and the connection is closed:
  nothing is launched.

On stdio no token is needed: the parent process owns the pipes.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Any

TOKEN_ARG = "dapperToken"
TOKEN_ENV = "DAPPER_TUI_DAP_TOKEN"
_MIN_LENGTH = 16


def server_token() -> str:
    """The token this server requires: `DAPPER_TUI_DAP_TOKEN` when set (taken out of the environment, so the
    program being debugged does not inherit it), else a fresh random one."""
    given = os.environ.pop(TOKEN_ENV, "")
    if given:
        if len(given) < _MIN_LENGTH:
            raise ValueError(f"{TOKEN_ENV} is too short to be a token (at least {_MIN_LENGTH} characters)")
        return given
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    authenticated_now: bool = False  # this request brought the right token


class TokenGate:
    """Checks each request of one connection until the client has shown the token."""

    def __init__(self, token: str | None) -> None:
        self._token = token.encode() if token is not None else None
        self.passed = token is None

    def check(self, message: Any) -> Verdict:
        if self.passed or not isinstance(message, dict) or message.get("type") != "request":
            return Verdict(True)  # not a request (nothing is carried out for it) or already authenticated
        command = message.get("command")
        args = message.get("arguments")
        given = args.get(TOKEN_ARG) if isinstance(args, dict) else None
        if given is not None:
            ok = isinstance(given, str) and self._token is not None
            if ok and hmac.compare_digest(given.encode("utf-8", "surrogatepass"), self._token or b""):
                self.passed = True
                return Verdict(True, authenticated_now=True)
            return Verdict(False, f"wrong {TOKEN_ARG}: this dapper-tui dap server did not accept the token")
        if command in ("initialize", "disconnect"):
            return Verdict(True)
        return Verdict(
            False,
            f"this dapper-tui dap server requires a token: pass the token it printed at start as "
            f'"{TOKEN_ARG}" in the arguments of initialize, launch or attach ({command!s:.40} was refused)',
        )
