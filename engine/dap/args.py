"""Checking a request's arguments: a missing or mistyped one is a `RequestError` whose message says which."""

from __future__ import annotations

from typing import Any

from ..session import DebugSession


class RequestError(Exception):
    """A request that cannot be carried out: its message (and `body`, if any) go back in the error response."""

    def __init__(self, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.body = body


def arg(args: dict[str, Any], name: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """A required argument, with a clear message when it is missing or of the wrong type."""
    if name not in args or args[name] is None:
        raise RequestError(f"missing argument '{name}'")
    value = args[name]
    if kind is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise RequestError(f"argument '{name}' must be {want}, not {type(value).__name__}")
    return value


def opt(args: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    """An optional argument: `default` when absent (or null), else checked as `arg` does."""
    if args.get(name) is None:
        return default
    return arg(args, name, kind)


def opt_int(args: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"argument '{name}' must be an integer, not {type(value).__name__}")
    return value


def source_path(args: dict[str, Any]) -> str:
    """The `source.path` a request names (a non-empty string)."""
    path = arg(args, "source", dict).get("path")
    if not isinstance(path, str) or not path:
        raise RequestError("missing argument 'source.path'")
    return path


def require_stopped(session: DebugSession) -> None:
    if session.state != "stopped":
        raise RequestError(f"the program is not stopped (it is {session.state})")
