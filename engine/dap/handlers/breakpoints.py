"""Breakpoint requests: setBreakpoints, setFunctionBreakpoints, setExceptionBreakpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...breakpoints import BreakpointSpec
from ...session import DebugSession
from ..args import RequestError, arg, opt
from ..replies import Reply

EXCEPTION_FILTERS = [
    {
        "filter": "uncaught",
        "label": "Uncaught Exceptions",
        "description": "Stop when an exception is not handled (post mortem)",
        "default": True,
    },
    {
        "filter": "raised",
        "label": "Raised Exceptions",
        "description": "Stop whenever an exception is raised in your code",
        "default": False,
    },
]


class Breakpoints:
    def __init__(self, session: DebugSession, log: Callable[[str], None]) -> None:
        self.session = session
        self.log = log

    def on_setBreakpoints(self, args: dict[str, Any]) -> Reply:
        source = arg(args, "source", dict)
        path = source.get("path")
        if not isinstance(path, str) or not path:
            if source.get("sourceReference"):
                raise RequestError(
                    "breakpoints need a source path (dapper-tui has no sourceReference sources)"
                )
            raise RequestError("missing argument 'source.path'")
        bps = args.get("breakpoints")
        if bps is None:
            bps = [{"line": n} for n in opt(args, "lines", list, [])]
        if not isinstance(bps, list):
            raise RequestError("argument 'breakpoints' must be an array")
        result = self.session.set_breakpoints(path, [_spec(bp, i) for i, bp in enumerate(bps)])
        return Reply({"breakpoints": [b.to_dict() for b in result]})

    def on_setFunctionBreakpoints(self, args: dict[str, Any]) -> Reply:
        entries: list[str | tuple[str, str | None, str | None]] = []
        for i, bp in enumerate(arg(args, "breakpoints", list)):
            if not isinstance(bp, dict) or not isinstance(bp.get("name"), str):
                raise RequestError(f"breakpoints[{i}] needs a 'name' (a string)")
            entries.append(
                (bp["name"], _str_or_none(bp, "condition", i), _str_or_none(bp, "hitCondition", i))
            )
        result = self.session.set_function_breakpoints(entries)
        return Reply({"breakpoints": [b.to_dict() for b in result]})

    def on_setExceptionBreakpoints(self, args: dict[str, Any]) -> Reply:
        filters = opt(args, "filters", list, [])
        options = opt(args, "filterOptions", list, [])
        wanted: list[str | None] = [
            f for f in filters if isinstance(f, str)
        ]  # None: an option without filterId
        wanted += [o.get("filterId") for o in options if isinstance(o, dict)]
        known = {f["filter"] for f in EXCEPTION_FILTERS}
        unknown = [f for f in wanted if f not in known]
        self.session.set_exception_breakpoints({f for f in wanted if f is not None and f in known})
        result = []
        for f in wanted:
            entry: dict[str, Any] = {"verified": f in known}
            if f not in known:
                entry["message"] = f"unknown exception filter {f!r}; use uncaught or raised"
            result.append(entry)
        if unknown:
            self.log(f"dapper-tui dap: ignored unknown exception filters {unknown}")
        return Reply({"breakpoints": result})


def _spec(bp: Any, i: int) -> BreakpointSpec:
    """setBreakpoints' `breakpoints[i]`, checked."""
    if not isinstance(bp, dict):
        raise RequestError(f"breakpoints[{i}] must be an object")
    line = bp.get("line")
    if isinstance(line, bool) or not isinstance(line, int):
        raise RequestError(f"breakpoints[{i}].line must be an integer")
    return BreakpointSpec(
        line,
        _str_or_none(bp, "condition", i),
        _str_or_none(bp, "hitCondition", i),
        _str_or_none(bp, "logMessage", i),
    )


def _str_or_none(d: dict[str, Any], key: str, index: int) -> str | None:
    value = d.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RequestError(f"breakpoints[{index}].{key} must be a string")
    return value
