"""The project's tools as the MCP SDK's ``Tool`` objects, for ``dapper-tui mcp DIR`` (``capsule/mcp_server.py``).

The tool files are found and imported as the console's capsule imports them (``capsule/tools.py``: from source,
behind the runtime boundary); each public function then goes through the SDK's own ``Tool.from_function``, so
its parameters and result are what the SDK makes of their type hints: pydantic models, dataclasses,
``datetime``/``date``, ``Enum`` (the function gets the member), ``Literal`` and ``Annotated[T, Field(ge=..,
le=.., description=..)]`` (limits in the ``inputSchema``), and an ``outputSchema`` with ``structuredContent``
for a typed return. What the SDK leaves out and the console's tools have is added: the description is the
docstring without its ``Args:`` section, whose lines become the parameters' descriptions, as does a plain
string in ``Annotated[T, "..."]``.

A tool may take the SDK's request context: a parameter annotated ``mcp.server.mcpserver.Context`` is not part
of the input schema; the server passes the request's context to it, for progress and log messages
(``await ctx.report_progress(done, total, "message")``, ``await ctx.info("...")``; a sync tool runs in a worker
thread and calls them through ``anyio.from_thread.run(ctx.report_progress, done, total)``).

A function the SDK cannot turn into a tool (a parameter type without a JSON schema, say) is left out and
reported; the file's other tools are served. A file that fails to import keeps the tools it had before (a bad
save leaves the old tools answering), and is reported too.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import threading
import typing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from dapper_tui.capsule.project import AgentProject
from dapper_tui.capsule.tools import (
    PACKAGE,
    LoadFailure,
    _split_docstring,
    import_tool_files,
    public_functions,
)


@dataclass
class LoadedTools:
    """One load of the tool files: the tools by file, and what went wrong (one line of text per problem)."""

    by_file: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> {name: sdk Tool}
    problems: list[str] = field(default_factory=list)

    def tools(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for tools in self.by_file.values():
            merged.update(tools)
        return merged

    def signature(self) -> str:
        """What a client can see of the surface, and the sources behind it: equal signatures, same surface."""
        rows = [
            [
                name,
                tool.description,
                tool.parameters,
                tool.output_schema,
                (tool.meta or {}).get("dapper/sourceHash"),
            ]
            for name, tool in sorted(self.tools().items())
        ]
        return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def _annotated_descriptions(func: Any) -> dict[str, str]:
    """``Annotated[T, "text"]`` parameters: the console's convention for a description."""
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        return {}
    found: dict[str, str] = {}
    for name, hint in hints.items():
        if get_origin(hint) is Annotated:
            for extra in get_args(hint)[1:]:
                if isinstance(extra, str):
                    found[name] = extra
    return found


_running: Counter[str] = Counter()  # sync tool calls whose function is running in a thread, by tool name
_running_lock = threading.Lock()


def running_calls() -> list[str]:
    """The tools whose sync function is running in a thread right now (one entry per call, sorted)."""
    with _running_lock:
        return sorted(_running.elements())


def _abandonable(func: Any, name: str) -> Any:
    """A sync tool as a coroutine function that runs it in a worker thread the caller can stop waiting for.

    The SDK runs a sync tool in a thread it waits for even when the call is cancelled (a client's
    ``notifications/cancelled``, the server's ``call_timeout``); this one answers at once and leaves the thread
    to finish in the background. While the function runs it is counted in ``running_calls()`` (what the server
    checks when the client has gone). Signature and type hints are the function's (``functools.wraps``).
    """
    import functools

    if inspect.iscoroutinefunction(func):
        return func

    def counted(*args: Any, **kwargs: Any) -> Any:
        with _running_lock:
            _running[name] += 1
        try:
            return func(*args, **kwargs)
        finally:
            with _running_lock:
                _running[name] -= 1
                if _running[name] <= 0:
                    del _running[name]

    @functools.wraps(func)
    async def in_thread(*args: Any, **kwargs: Any) -> Any:
        import anyio

        return await anyio.to_thread.run_sync(
            functools.partial(counted, *args, **kwargs), abandon_on_cancel=True
        )

    return in_thread


def sdk_tool(func: Any, name: str | None = None) -> Any:
    """The SDK's ``Tool`` for ``func``, with the docstring's ``Args:`` as parameter descriptions.

    Raises whatever the SDK raises for a function it cannot describe.
    """
    from mcp.server.mcpserver.tools import Tool

    description, arg_docs = _split_docstring(func.__doc__ or "")
    name = name or func.__name__
    try:
        source = Path(func.__code__.co_filename).read_text(encoding="utf-8") + inspect.getsource(func)
    except (OSError, TypeError):
        source = repr(func.__code__.co_code)
    tool = Tool.from_function(
        _abandonable(func, name),
        name=name,
        description=description or f"The {name} tool.",
        meta={
            "dapper/sourceHash": hashlib.sha256(source.encode()).hexdigest()[:12],
            "dapper/file": getattr(func.__code__, "co_filename", ""),
        },
    )
    properties = tool.parameters.get("properties", {})
    for param, text in {**arg_docs, **_annotated_descriptions(func)}.items():
        schema = properties.get(param)
        if isinstance(schema, dict) and "description" not in schema:
            schema["description"] = text
    return tool


def load(project: AgentProject, previous: LoadedTools | None, builtins: dict[str, Any]) -> LoadedTools:
    """Import the tool files again (from source) and build their SDK tools.

    ``builtins`` (``run_script``) are added unless a tool file defines the same name.
    """
    import sys

    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    tools_dir = project.tools_dir
    files = project.tool_files()
    modules, failures = import_tool_files(tools_dir, files)
    result = LoadedTools()
    for failure in failures:
        kept = (previous.by_file.get(failure.file) if previous else None) or {}
        if kept:
            result.by_file[failure.file] = dict(kept)
        result.problems.append(_failure_text(failure, kept))
    seen: dict[str, str] = {}
    for tools in result.by_file.values():
        seen.update({n: "an earlier load" for n in tools})
    for file, module in modules:
        built: dict[str, Any] = {}
        for attr, func in public_functions(module):
            if attr in seen:
                result.problems.append(f"{file}: tool {attr!r} left out: also defined in {seen[attr]}")
                continue
            try:
                built[attr] = sdk_tool(func, attr)
            except Exception as exc:  # the SDK's (and pydantic's) errors for a function it cannot describe
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                result.problems.append(
                    f"{file}: tool {attr!r} left out: {type(exc).__name__}: {first}".rstrip(": ")
                )
                continue
            seen[attr] = str(file)
        result.by_file[str(file)] = built
    for name, func in builtins.items():
        if name not in seen:
            result.by_file.setdefault("<builtin>", {})[name] = sdk_tool(func, name)
    return result


def _failure_text(failure: LoadFailure, kept: dict[str, Any]) -> str:
    still = f" (still serving its previous tools: {', '.join(sorted(kept))})" if kept else ""
    return f"{failure.file} failed to load{still}:\n{failure.error}"
