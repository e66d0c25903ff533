"""The capsule: a subprocess that hosts an agent project's tools and speaks MCP over stdio.

    python -m dapper_tui.capsule.host DIR [--watch] [--spare] [--status-file PATH]

It imports every tool file (from source) before it answers anything; if one fails to import, it writes the
failures to ``--status-file`` (JSON) and to stderr, and exits with status 3 without serving. Any MCP client can
use it (``initialize``, ``tools/list``, ``tools/call``). With ``--watch`` (standalone use, outside the manager)
it re-imports the tools when a tool file changes and sends ``notifications/tools/list_changed``.

``--spare`` is the manager's warm spare: the interpreter imports the MCP SDK first, then waits for one JSON
line on stdin (``{"env": {...}}``) that activates it for the current project state, and only then imports the
tools. This takes the SDK's import time (about 0.9 s) out of the save-to-swap path.

The manager points stderr at a log file in ``data/logs/`` and runs the host unbuffered (``-u``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from dapper_tui.capsule.tools import (
    PACKAGE,
    Tool,
    ToolSpec,
    format_result,
    load_tools,
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


def run_script(name: str, args: list[str] | None = None, timeout: float = 120.0) -> str:
    """Run a script from src/scripts with its current source and return its output.

    Args:
        name: file name of the script inside src/scripts, e.g. "report.py".
        args: command-line arguments for the script.
        timeout: seconds before the script is stopped.
    """
    root = Path(os.environ["DAPPER_AGENT_DIR"]) / "src" / "scripts"
    script = (root / name).resolve()
    if not script.is_relative_to(root.resolve()) or not script.is_file():
        raise FileNotFoundError(f"no script {name!r} in src/scripts")
    if script.suffix == ".py":
        command = [sys.executable, str(script)]
    elif script.suffix == ".sh":
        command = ["sh", str(script)]
    else:
        command = [str(script)]
    proc = subprocess.run(
        [*command, *(args or [])],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=os.environ["DAPPER_AGENT_DIR"],
        stdin=subprocess.DEVNULL,
    )
    output = proc.stdout
    if proc.returncode != 0:
        raise RuntimeError(f"script {name} exited with {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return output.rstrip("\n")


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

    async def call(self, name: str, arguments: dict[str, Any] | None) -> tuple[str, bool]:
        """Run a tool: ``(text, is_error)``. Errors come back as text the model can read."""
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
            if inspect.iscoroutinefunction(tool.func):
                value = await tool.func(**kwargs)
            else:
                value = await anyio.to_thread.run_sync(lambda: tool.func(**kwargs), abandon_on_cancel=True)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}", True
        return format_result(value), False


def _build_server(host: ToolHost, name: str, sessions: list[Any]) -> Any:
    import mcp_types as types
    from mcp.server.lowlevel import Server

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        if ctx.session not in sessions:
            sessions.append(ctx.session)
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
        if ctx.session not in sessions:
            sessions.append(ctx.session)
        text, is_error = await host.call(params.name, params.arguments)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=is_error)

    return Server(name, version="1", on_list_tools=list_tools, on_call_tool=call_tool)


async def _watch_tools(host: ToolHost, sessions: list[Any]) -> None:
    import watchfiles

    async for _changes in watchfiles.awatch(host.root / "src", debounce=50, step=10):
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dapper_tui.capsule.host")
    parser.add_argument("dir", type=Path)
    parser.add_argument("--watch", action="store_true", help="reload tools on change, send list_changed")
    parser.add_argument("--spare", action="store_true", help="wait for an activation line on stdin first")
    parser.add_argument("--status-file", type=Path)
    parser.add_argument("--generation", type=int, default=0)
    args = parser.parse_args(argv)

    import anyio
    import mcp.server.stdio  # imported before activation: this is what a warm spare saves
    from mcp.server.lowlevel import NotificationOptions

    if args.spare:
        activation = _read_activation()
        os.environ.clear()
        os.environ.update(activation.get("env", {}))
        args.generation = int(activation.get("generation", args.generation))
        if activation.get("status_file"):
            args.status_file = Path(activation["status_file"])
    root = args.dir.resolve()
    os.environ["DAPPER_AGENT_DIR"] = str(root)
    os.environ["DAPPER_AGENT_DATA"] = str(root / "data")
    (root / "data").mkdir(exist_ok=True)
    os.chdir(root)
    sys.dont_write_bytecode = True
    started = time.perf_counter()
    print(
        f"capsule generation {args.generation} pid {os.getpid()} loading {root}", file=sys.stderr, flush=True
    )

    host = ToolHost(root)
    with contextlib.redirect_stdout(
        sys.stderr
    ):  # a print at a tool module's top level must not hit the protocol
        failures = host.load()
    if failures:
        for failure in failures:
            print(f"tool file failed to load: {failure['file']}\n{failure['error']}", file=sys.stderr)
        if args.status_file:
            args.status_file.write_text(json.dumps({"ok": False, "failures": failures}))
        return EXIT_LOAD_FAILED
    print(
        f"capsule generation {args.generation} loaded {len(host.tools)} tools in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms",
        file=sys.stderr,
        flush=True,
    )
    sessions: list[Any] = []
    server = _build_server(host, root.name, sessions)
    options = server.create_initialization_options(NotificationOptions(tools_changed=True))

    async def serve() -> None:
        async with anyio.create_task_group() as tg:
            if args.watch:
                tg.start_soon(_watch_tools, host, sessions)
            async with mcp.server.stdio.stdio_server() as (read_stream, write_stream):
                await server.run(read_stream, write_stream, options)
            tg.cancel_scope.cancel()

    anyio.run(serve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
