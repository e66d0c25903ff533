"""The capsule: a subprocess that hosts an agent project's tools and speaks MCP over stdio.

    python -m dapper_tui.capsule.host DIR [--watch] [--spare] [--status-file PATH]

It imports every tool file (from source) before it answers anything; if one fails to import, it writes the
failures to ``--status-file`` (JSON) and to stderr, and exits with status 3 without serving. Any MCP client can
use it (``initialize``, ``tools/list``, ``tools/call``). With ``--watch`` (standalone use, outside the manager)
it re-imports the tools when a tool file changes and sends one ``notifications/tools/list_changed``. For an MCP
client, ``dapper-tui mcp DIR`` (``capsule/mcp_server.py``) is the standalone server: .env, the project venv,
prompts, data/ resources, and a bad tool left out instead of an exit.

``--spare`` is the manager's warm spare: the interpreter imports the MCP SDK first, then waits for one JSON
line on stdin (``{"env": {...}}``) that activates it for the current project state, and only then imports the
tools. This takes the SDK's import time (about 0.9 s) out of the save-to-swap path.

The manager points stderr at a log file in ``data/logs/`` and runs the host unbuffered (``-u``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from dapper_tui.capsule.scripts import PinnedScript, run_pinned_script, run_script
from dapper_tui.capsule.start_stack import dump_stacks_on_signal
from dapper_tui.capsule.tools import (
    PACKAGE,
    Tool,
    ToolError,
    ToolSpec,
    format_result,
    load_tools,
    missing_package_hint,
    spec_for,
    validate_arguments,
)

EXIT_LOAD_FAILED = 3


def _read_activation() -> dict[str, Any]:
    """One line from fd 0, byte by byte, so nothing after it is swallowed by a buffer."""
    buf = bytearray()
    while True:
        chunk = os.read(0, 1)
        if not chunk:
            raise SystemExit(0)  # the manager dropped its spare
        if chunk == b"\n":
            break
        buf += chunk
    return json.loads(buf.decode())


def _pin_import_prefix() -> None:
    """Resolve ``sys.prefix`` in the import path, once, at start.

    ``DIR/.venv`` is a symlink the manager moves to a new venv after a successful install; this generation keeps
    importing from the venv it started with, so a lazy import never mixes two installs.
    """
    prefix = sys.prefix
    real = os.path.realpath(prefix)
    if real == prefix:
        return

    def pin(path: str) -> str:
        if path == prefix or path.startswith(prefix + os.sep):
            return real + path[len(prefix) :]
        return path

    sys.path[:] = [pin(p) for p in sys.path]
    sys.executable = pin(sys.executable)  # run_script and multiprocessing start on the same venv


class ToolHost:
    """The project's tools, loaded once per capsule (or again on ``--watch`` changes)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tools: dict[str, Tool] = {}

    def load(self) -> list[dict[str, str]]:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        tools_dir = self.root / "src" / "tools"
        files = (
            sorted(
                p
                for p in tools_dir.rglob("*.py")
                if "__pycache__" not in p.parts and not p.name.startswith(("_", "."))
            )
            if tools_dir.is_dir()
            else []
        )
        tools, failures = load_tools(tools_dir, files)
        if (self.root / "src" / "scripts").is_dir() and "run_script" not in tools:
            tools["run_script"] = spec_for(run_script)
            tools["run_script"].spec.file = "<builtin>"
        if not failures:
            self.tools = tools
        return [{"file": f.file, "error": f.error} for f in failures]

    def specs(self) -> list[ToolSpec]:
        return [t.spec for t in self.tools.values()]

    async def call(
        self, name: str, arguments: dict[str, Any] | None, meta: Mapping[str, object] | None = None
    ) -> tuple[str, bool]:
        """Run a tool: ``(text, is_error)``. Errors come back as text the model can read, and so does a tool
        that raises ``SystemExit``, ``KeyboardInterrupt`` or ``GeneratorExit``: the capsule keeps serving. (``os._exit`` ends the
        process; the manager reports that and starts a new generation.)"""
        import inspect

        import anyio

        tool = self.tools.get(name)
        if tool is None:
            return f"unknown tool {name!r}; available: {', '.join(sorted(self.tools))}", True
        problems = validate_arguments(tool.spec, arguments or {})
        if problems:
            return "invalid arguments for " + name + ": " + "; ".join(problems), True
        kwargs = {k: v for k, v in (arguments or {}).items() if k in tool.params}
        try:
            kwargs = tool.convert(kwargs)  # models, enum members, datetimes; Field limits
        except ToolError as exc:
            return f"invalid arguments for {name}: {exc}", True
        if tool.context_param:
            kwargs[tool.context_param] = ConsoleContext(name)
        func: Callable[..., Any] = tool.func
        pinned = (
            PinnedScript.from_meta(meta) if tool.spec.file == "<builtin>" and name == "run_script" else None
        )
        if pinned is not None:
            func = functools.partial(run_pinned_script, pinned)
        try:
            if inspect.iscoroutinefunction(func):
                value = await func(**kwargs)
            else:
                value = await anyio.to_thread.run_sync(_in_thread(func, kwargs), abandon_on_cancel=True)
        except (Exception, SystemExit, KeyboardInterrupt, GeneratorExit) as exc:
            if isinstance(exc, _ToolExit):
                return str(exc), True
            if isinstance(exc, SystemExit):
                return f"{name} raised SystemExit({exc.code!r}); the capsule keeps running", True
            from dapper_tui.capsule.tool_errors import tool_error_text

            text = tool_error_text(name, exc, self.root)  # the line, then the traceback
            hint = missing_package_hint(exc, self.root)
            return (text + "\n\n" + hint if hint else text), True
        return format_result(value), False


class ConsoleContext:
    """What a tool that takes the MCP SDK's ``Context`` gets in the console's capsule: its progress and log
    calls go to stderr (``data/logs/capsule.log``); ``dapper-tui mcp`` passes the SDK's real one."""

    def __init__(self, tool: str) -> None:
        self.tool = tool

    def _write(self, kind: str, text: str) -> None:
        print(f"tool {self.tool} {kind}: {text}", file=sys.stderr, flush=True)

    async def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        self._write(
            "progress",
            f"{progress:g}" + (f"/{total:g}" if total else "") + (f" {message}" if message else ""),
        )

    async def log(self, level: str, data: Any, logger: str | None = None, **_: Any) -> None:
        self._write(level, str(data))

    async def debug(self, message: str, **_: Any) -> None:
        self._write("debug", message)

    async def info(self, message: str, **_: Any) -> None:
        self._write("info", message)

    async def warning(self, message: str, **_: Any) -> None:
        self._write("warning", message)

    async def error(self, message: str, **_: Any) -> None:
        self._write("error", message)


class _ToolExit(Exception):
    """A ``GeneratorExit`` (no ``Exception``) raised by a tool in a worker thread, carried back as one."""


def _in_thread(func: Callable[..., Any], kwargs: dict[str, Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return func(**kwargs)
        except GeneratorExit as exc:  # the worker thread machinery would not carry it back
            raise _ToolExit(f"GeneratorExit: {exc}") from None

    return run


def _build_server(host: ToolHost, name: str, sessions: list[Any]) -> Any:
    import mcp_types as types
    from mcp.server.lowlevel import Server

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        sessions[:] = [ctx.session]  # one stdio connection; the SDK makes a session object per request
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=s.name,
                    description=s.description,
                    input_schema=s.input_schema,
                    _meta={"dapper/sourceHash": s.source_hash, "dapper/file": s.file},
                )
                for s in host.specs()
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        sessions[:] = [ctx.session]  # one stdio connection; the SDK makes a session object per request
        text, is_error = await host.call(params.name, params.arguments, params.meta)
        from dapper_tui.capsule.tool_errors import split_traceback  # a traceback: a second text content

        texts = [t for t in split_traceback(text) if t] if is_error else [text]
        content: list[types.ContentBlock] = [types.TextContent(type="text", text=t) for t in texts]
        return types.CallToolResult(content=content, is_error=is_error)

    return Server(name, version="1", on_list_tools=list_tools, on_call_tool=call_tool)


async def _watch_tools(host: ToolHost, sessions: list[Any], stop: Any) -> None:
    import watchfiles

    async for _changes in watchfiles.awatch(host.root / "src", debounce=50, step=10, stop_event=stop):
        with contextlib.redirect_stdout(sys.stderr):
            failures = host.load()
        if failures:
            for failure in failures:
                print(f"tool reload failed: {failure['file']}: {failure['error']}", file=sys.stderr)
            continue
        print(f"tools reloaded: {', '.join(sorted(host.tools))}", file=sys.stderr)
        for session in list(sessions):
            try:
                await session.send_tool_list_changed()
            except Exception as exc:
                print(f"list_changed not sent: {exc}", file=sys.stderr)


def _limit_address_space(megabytes: int) -> None:
    """``RLIMIT_AS`` for this capsule and what it starts (agent.toml ``address_space_mb``; 0: none).

    An allocation past it raises ``MemoryError`` in the tool (an error result); the capsule goes on.
    """
    if megabytes <= 0:
        return
    import resource

    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _activate(args: argparse.Namespace) -> None:
    """A warm spare becomes a generation: the manager's activation line sets its environment and limits."""
    activation = _read_activation()
    os.environ.clear()
    os.environ.update(activation.get("env", {}))
    args.generation = int(activation.get("generation", args.generation))
    if activation.get("status_file"):
        args.status_file = Path(activation["status_file"])
    _limit_address_space(int(activation.get("address_space_mb") or 0))


def _enter_project(root: Path) -> None:
    """Make ``root`` this process's project: its folder, its environment variables, no ``.pyc`` files."""
    os.environ["DAPPER_AGENT_DIR"] = str(root)
    os.environ["DAPPER_AGENT_DATA"] = str(root / "data")
    (root / "data").mkdir(exist_ok=True)
    os.chdir(root)
    sys.dont_write_bytecode = True


def _load_tools(host: ToolHost, generation: int, status_file: Path | None) -> bool:
    """Import the tool files; ``False`` (said on stderr and in ``status_file``) when one failed."""
    started = time.perf_counter()
    print(
        f"capsule generation {generation} pid {os.getpid()} loading {host.root}", file=sys.stderr, flush=True
    )
    with contextlib.redirect_stdout(
        sys.stderr
    ):  # a print at a tool module's top level must not hit the protocol
        failures = host.load()
    if failures:
        for failure in failures:
            print(f"tool file failed to load: {failure['file']}\n{failure['error']}", file=sys.stderr)
        if status_file:
            status_file.write_text(json.dumps({"ok": False, "failures": failures}))
        return False
    print(
        f"capsule generation {generation} loaded {len(host.tools)} tools in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms",
        file=sys.stderr,
        flush=True,
    )
    return True


async def _serve(host: ToolHost, watch: bool) -> None:
    """Speak MCP on stdio until the manager closes it (and reload the tools on save meanwhile, with ``watch``)."""
    import anyio
    import mcp.server.stdio
    from mcp.server.lowlevel import NotificationOptions

    sessions: list[Any] = []
    server = _build_server(host, host.root.name, sessions)
    options = server.create_initialization_options(NotificationOptions(tools_changed=True))
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        if watch:
            tg.start_soon(_watch_tools, host, sessions, stop)
        async with mcp.server.stdio.stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, options)
        stop.set()  # before the cancel: watchfiles' thread sees only this (else it waits out its 5 s timeout)
        tg.cancel_scope.cancel()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dapper_tui.capsule.host")
    parser.add_argument("dir", type=Path)
    parser.add_argument("--watch", action="store_true", help="reload tools on change, send list_changed")
    parser.add_argument("--spare", action="store_true", help="wait for an activation line on stdin first")
    parser.add_argument("--status-file", type=Path)
    parser.add_argument("--generation", type=int, default=0)
    args = parser.parse_args(argv)
    _pin_import_prefix()

    import anyio
    import mcp.server.stdio  # noqa: F401  # imported before activation: this is what a warm spare saves
    from mcp.server.lowlevel import NotificationOptions  # noqa: F401  # as above

    if args.spare:
        _activate(args)
    if args.status_file:
        dump_stacks_on_signal(args.status_file)  # a start that hangs is named by file and line
    root = args.dir.resolve()
    _enter_project(root)
    host = ToolHost(root)
    if not _load_tools(host, args.generation, args.status_file):
        return EXIT_LOAD_FAILED
    anyio.run(_serve, host, args.watch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
