"""``dapper-tui mcp DIR``'s server process: the agent project over MCP (stdio), built on the SDK's ``MCPServer``.

    python -m dapper_tui.capsule.mcp_server DIR      (started by ``dapper-tui mcp DIR`` on the project's venv)

What it serves:

- **tools**: the public functions of ``src/tools/**.py`` (``capsule/mcp_tools.py``), and ``run_script`` when
  ``src/scripts/`` exists. A tool's error reaches the client as ``Type: message`` (with the
  ``requirements.txt`` hint for a missing package); its traceback goes to stderr and to the client as an MCP log
  message. A call longer than agent.toml's ``[runtime] call_timeout`` is an error result (the tool's thread, if
  it is a sync tool, goes on in the background).
- **prompts**: ``src/prompts/**`` (front matter: name, description, arguments; ``{{placeholders}}``).
- **resources**: the files under ``data/``, read-only, listed from the disk at each ``resources/list``
  (``capsule/mcp_resources.py``).

Hot reload, as the console's capsule: a save under ``src/tools/`` or ``src/prompts/``, of ``.env`` or of
``requirements.txt`` is applied in this process (``capsule/mcp_watch.py`` watches, ``capsule/mcp_surface.py``
reloads), and each connected client gets one ``list_changed`` notification when what it can see changed
(``capsule/mcp_clients.py``).

``.env`` secrets (``capsule/secrets.py``) are redacted from what the server itself sends: the tool listing (a
default read from the environment), error results, log messages and its stderr. What a tool returns, and what
it sends itself through the SDK's ``Context`` (progress, ``ctx.info``), is its own output and is not redacted.

A tool reports progress and logs through the SDK's ``Context``: see ``capsule/mcp_tools.py``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from dapper_tui.capsule import mcp_tools
from dapper_tui.capsule.mcp_clients import Clients, log
from dapper_tui.capsule.mcp_resources import DataResources
from dapper_tui.capsule.mcp_surface import ProjectSurface
from dapper_tui.capsule.mcp_watch import watch
from dapper_tui.capsule.project import AgentProject
from dapper_tui.capsule.secrets import Redactor
from dapper_tui.capsule.tools import missing_package_hint


async def _timed_out(name: str, call_timeout: float, clients: Clients) -> str:
    """The error text of a call that outlived ``call_timeout``, logged and sent to the client too."""
    text = (
        f"tool {name} did not return within {call_timeout:g} s (agent.toml [runtime] call_timeout); "
        "the server stopped waiting for it (a sync tool's thread runs on in the background)"
    )
    await clients.report("error", text)
    return text


async def _failed(name: str, cause: BaseException, project: AgentProject, clients: Clients) -> str:
    """The error text of a tool that raised ``cause``: ``Type: message`` (and the requirements hint); its
    traceback goes to stderr and to the client as a log message."""
    trace = "".join(traceback.format_exception(cause)).rstrip()
    await clients.report("error", f"tool {name} failed:\n{trace}")
    hint = missing_package_hint(cause, project.root)
    return f"{type(cause).__name__}: {cause}" + (f"\n{hint}" if hint else "")


def _redacted(tool: Any, redact: Redactor) -> Any:
    """A listed tool without ``.env`` secrets (a parameter's default read from the environment, say)."""
    fields = ("description", "input_schema", "output_schema")
    return tool.model_copy(update={name: redact(getattr(tool, name)) for name in fields})


def build_server(project: AgentProject, clients: Clients) -> Any:
    """The SDK's ``MCPServer`` with this project's ``data/`` resources, call deadline and error reporting."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError

    resources = DataResources(project.data_dir.resolve())
    call_timeout = project.config().call_timeout

    class ProjectServer(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            import anyio

            try:
                with anyio.fail_after(call_timeout):
                    return await super().call_tool(name, arguments, context)
            except TimeoutError:
                raise ToolError(await _timed_out(name, call_timeout, clients)) from None
            except UnexpectedToolError as exc:
                cause: BaseException = exc.__cause__ or exc
                while isinstance(cause, UnexpectedToolError) and cause.__cause__ is not None:
                    cause = cause.__cause__
                raise ToolError(clients.redact.text(await _failed(name, cause, project, clients))) from cause
            except ToolError as exc:  # the SDK's (unknown tool, bad arguments) or one a tool raised itself
                text = clients.redact.text(str(exc))
                if text == str(exc):
                    raise
                raise ToolError(text) from exc

        async def list_tools(self) -> list[Any]:
            return [_redacted(tool, clients.redact) for tool in await super().list_tools()]

        async def list_resources(self) -> list[Any]:
            return resources.listed()

        async def read_resource(self, uri: Any, context: Any = None) -> Iterable[Any]:
            return await resources.read(uri)

    server = ProjectServer(
        name=project.config().name,
        instructions=f"Tools, prompts and data of the agent project {project.root}",
        log_level="WARNING",
    )
    server.middleware.append(clients.middleware)
    clients.bus = getattr(server, "_subscriptions", None)
    return server


def load_project(root: Path) -> ProjectSurface:
    """The project at ``root`` made this process's: its folder, environment, tools and prompts; what failed to
    load waits for the client as log messages."""
    project = AgentProject(root)
    os.environ["DAPPER_AGENT_DIR"] = str(project.root)
    os.environ["DAPPER_AGENT_DATA"] = str(project.data_dir)
    os.chdir(project.root)
    sys.dont_write_bytecode = True
    clients = Clients(Redactor(project))
    surface = ProjectSurface(project, build_server(project, clients), clients)
    surface.env.apply()
    _changed, problems = surface.load_tools()
    problems += surface.load_prompts()
    for problem in problems:
        clients.stderr(problem)
        clients.pending.append(("error", problem))
    names = surface.tool_names()
    log(
        f"dapper-tui mcp: {project.root}: {len(names)} tools ({', '.join(names)}), "
        f"{len(surface.prompt_names)} prompts"
    )
    return surface


async def serve(surface: ProjectSurface, watching: bool) -> None:
    """Speak MCP on stdio until the client goes (and reload on save meanwhile, when ``watching``)."""
    import anyio
    import mcp.server.stdio
    from mcp.server.lowlevel import NotificationOptions

    lowlevel = surface.server._lowlevel_server  # MCPServer.run_stdio_async has no way to declare list_changed
    options = lowlevel.create_initialization_options(
        NotificationOptions(tools_changed=True, prompts_changed=True)
    )
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        if watching:
            tg.start_soon(watch, surface, stop)
        async with mcp.server.stdio.stdio_server() as (read_stream, write_stream):
            await lowlevel.run(read_stream, write_stream, options)
        # the client has gone: the watcher's thread stops within a step (a cancel alone waited for
        # watchfiles' 5 s timeout, and clients kill a server that does not exit after 2 s)
        stop.set()
        tg.cancel_scope.cancel()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dapper_tui.capsule.mcp_server")
    parser.add_argument("dir", type=Path)
    parser.add_argument("--no-watch", action="store_true", help="do not reload on save")
    args = parser.parse_args(argv)

    from dapper_tui.capsule.host import _pin_import_prefix

    _pin_import_prefix()
    import anyio
    from mcp.shared.exceptions import MCPDeprecationWarning

    # logging is deprecated at protocol 2026-07-28, and what every handshake-era client (Claude Desktop, VS Code,
    # the Inspector) shows: a tool's ctx.info() must not print a warning into the server's stderr each time
    warnings.filterwarnings("ignore", category=MCPDeprecationWarning)
    surface = load_project(args.dir)
    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(serve, surface, not args.no_watch)
    _end()


def _end() -> NoReturn:
    """After the client has gone: exit 0 now, without waiting for a tool's thread, nor for the interpreter's
    teardown (measured here: a process that imported ``mcp.server.mcpserver`` takes about 1 s to exit after its
    atexit handlers, and clients kill a server that has not exited 2 s after they closed its stdin)."""
    import atexit
    import threading
    import time

    running = mcp_tools.running_calls()
    if running:
        # a sync tool the server stopped waiting for (call_timeout, a cancelled call) is still in its function
        log(f"dapper-tui mcp: client gone; ending with tool calls still running: {', '.join(running)}")
    else:
        # anyio's worker threads (the watcher's among them) were told to stop with the event loop and are on
        # their way out; a thread a tool started itself may not be
        others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
        deadline = time.monotonic() + 1.0
        for thread in others:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = sorted(t.name for t in others if t.is_alive())
        if left:
            log(f"dapper-tui mcp: client gone; ending with threads still running: {', '.join(left)}")
    atexit._run_exitfuncs()  # what a normal exit runs (logging's flush, a tool's own handlers), then leave
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
