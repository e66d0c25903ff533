"""``dapper-tui mcp DIR``'s server process: the agent project over MCP (stdio), built on the SDK's ``MCPServer``.

    python -m dapper_tui.capsule.mcp_server DIR      (started by ``dapper-tui mcp DIR`` on the project's venv)

What it serves:

- **tools**: the public functions of ``src/tools/**.py`` (``capsule/mcp_tools.py``), and ``run_script`` when
  ``src/scripts/`` exists. A tool's error reaches the client as ``Type: message`` (with the
  ``requirements.txt`` hint for a missing package); its traceback goes to stderr and to the client as an MCP log
  message. A call longer than agent.toml's ``[runtime] call_timeout`` is an error result (the tool's thread, if
  it is a sync tool, goes on in the background).
- **prompts**: ``src/prompts/**`` (front matter: name, description, arguments; ``{{placeholders}}``).
- **resources**: the files under ``data/``, read-only, listed from the disk at each ``resources/list``.

Hot reload, as the console's capsule: a save under ``src/tools/`` (or of ``.env``, or a script folder appearing)
imports the tools again in this process; when what a client can see changed, each connected client gets
exactly one ``notifications/tools/list_changed``. A save under ``src/prompts/`` sends one
``notifications/prompts/list_changed``. A folder added under ``src/tools``/``src/prompts``/``src/scripts`` (moved
in, ``cp -r``, ``mkdir -p`` and a write at once) counts as a save there. A tool that cannot be built is left out, a file that fails to import
keeps its previous tools, and either is logged to stderr and sent to the client as a log message.
``.env`` is applied to ``os.environ`` (the real environment wins, unless ``[env] override = true``; see
``capsule/project.py``), at start and at each save. A ``requirements.txt`` save is installed into a new venv
(as the console does: ``DIR/.venv`` moves to it once pip succeeded) and this process imports from it from then
on (``switch_imports``); a failed install leaves everything as it was and is reported.

A tool reports progress and logs through the SDK's ``Context``: see ``capsule/mcp_tools.py``.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import sys
import traceback
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from dapper_tui.capsule import mcp_tools
from dapper_tui.capsule.project import AgentProject, Row
from dapper_tui.capsule.prompts import scan_prompts
from dapper_tui.capsule.tools import missing_package_hint

LOGGER = "dapper-tui"
_MAX_RESOURCES = 2000


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class DotenvEnvironment:
    """``.env`` applied to ``os.environ``, again at each save: a name it no longer sets gets its real value back."""

    def __init__(self, project: AgentProject) -> None:
        self.project = project
        self.base = dict(os.environ)  # the real environment, before any .env
        self.applied: dict[str, str] = {}

    def apply(self) -> bool:
        """Apply ``.env`` as it is now; ``True`` when ``os.environ`` changed."""
        wanted = self.project.env(self.base)
        changed = False
        for name in set(self.applied) - set(wanted):
            changed = True
            if name in self.base:
                os.environ[name] = self.base[name]
            else:
                os.environ.pop(name, None)
        for name, value in wanted.items():
            if os.environ.get(name) != value:
                os.environ[name] = value
                changed = True
        self.applied = wanted
        return changed


class Clients:
    """The connected client, for what the server sends outside a request: list_changed and log messages.

    A stdio server has one connection; the SDK hands each request a new session object over it, so the latest
    one is kept (one slot: one notification per reload, however many requests came before). Log messages from
    before the client initialized wait until it has.
    """

    def __init__(self) -> None:
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

    async def log(self, level: str, text: str) -> None:
        if self.session is None or not self.ready:
            self.pending.append((level, text))
            return
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the logging capability is deprecated at 2026-07-28
                await self.session.send_log_message(level, text, logger=LOGGER)
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


def _sniff_mime(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed:
        return guessed
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
        if b"\0" in head:
            return "application/octet-stream"
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    except OSError:
        pass
    return "text/plain"


def data_files(data_dir: Path) -> list[Path]:
    if not data_dir.is_dir():
        return []
    found: list[Path] = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir).parts
        if any(p.startswith(".") or p == "__pycache__" for p in rel) or not path.is_file():
            continue
        found.append(path)
        if len(found) >= _MAX_RESOURCES:
            break
    return found


def build_server(project: AgentProject, clients: Clients) -> Any:
    """The SDK's ``MCPServer`` with this project's prompts, ``data/`` resources and error reporting."""
    from mcp.server.lowlevel.helper_types import ReadResourceContents
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError, UnexpectedToolError
    from mcp.server.mcpserver.resources import FileResource
    from mcp_types import Resource as MCPResource

    data_dir = project.data_dir.resolve()
    call_timeout = project.config().call_timeout

    def file_resource(path: Path) -> Any:
        rel = path.relative_to(data_dir).as_posix()
        return FileResource(
            uri=path.as_uri(),
            path=path,
            name=f"data/{rel}",
            description=f"{rel} in the agent's data folder (read-only)",
            mime_type=_sniff_mime(path),
        )

    class ProjectServer(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            import anyio

            try:
                with anyio.fail_after(call_timeout):
                    return await super().call_tool(name, arguments, context)
            except TimeoutError:
                text = (
                    f"tool {name} did not return within {call_timeout:g} s (agent.toml [runtime] call_timeout); "
                    "the server stopped waiting for it (a sync tool's thread runs on in the background)"
                )
                log(text)
                await clients.log("error", text)
                raise ToolError(text) from None
            except UnexpectedToolError as exc:
                cause = exc.__cause__ or exc
                while isinstance(cause, UnexpectedToolError) and cause.__cause__ is not None:
                    cause = cause.__cause__
                trace = "".join(traceback.format_exception(cause)).rstrip()
                log(f"tool {name} failed:\n{trace}")
                hint = missing_package_hint(cause, project.root)
                await clients.log("error", f"tool {name} failed:\n{trace}")
                text = f"{type(cause).__name__}: {cause}" + (f"\n{hint}" if hint else "")
                raise ToolError(text) from cause

        async def list_resources(self) -> list[Any]:
            return [
                MCPResource(uri=r.uri, name=r.name or "", description=r.description, mime_type=r.mime_type)
                for r in map(file_resource, data_files(data_dir))
            ]

        async def read_resource(self, uri: Any, context: Any = None) -> Iterable[Any]:
            text = str(uri)
            path: Path | None = None
            if text.startswith("file://"):
                from urllib.parse import unquote, urlparse

                path = Path(unquote(urlparse(text).path)).resolve()
            if path is None or not path.is_relative_to(data_dir) or not path.is_file():
                raise ResourceNotFoundError(f"Unknown resource: {text} (resources are the files of data/)")
            resource = file_resource(path)
            content = await resource.read()
            return [ReadResourceContents(content=content, mime_type=resource.mime_type)]

    server = ProjectServer(
        name=project.config().name,
        instructions=f"Tools, prompts and data of the agent project {project.root}",
        log_level="WARNING",
    )
    server.middleware.append(clients.middleware)
    clients.bus = getattr(server, "_subscriptions", None)
    return server


class ProjectSurface:
    """What the server serves from the project, and its reloads."""

    def __init__(self, project: AgentProject, server: Any, clients: Clients) -> None:
        self.project = project
        self.server = server
        self.clients = clients
        self.loaded: mcp_tools.LoadedTools | None = None
        self.prompt_names: list[str] = []
        self.env = DotenvEnvironment(project)
        self.reloads = 0  # applied tool reloads (each sent one tools/list_changed)

    def _builtins(self) -> dict[str, Any]:
        if self.project.scripts_dir.is_dir():
            from dapper_tui.capsule.host import run_script

            return {"run_script": run_script}
        return {}

    def load_tools(self) -> tuple[bool, list[str]]:
        """Import the tools again; ``(changed, problems)``. Swaps the SDK's tools only when something changed."""
        with contextlib.redirect_stdout(sys.stderr):  # a print at a tool module's top level
            loaded = mcp_tools.load(self.project, self.loaded, self._builtins())
        changed = self.loaded is None or loaded.signature() != self.loaded.signature()
        # The SDK's ToolManager gets the Tool objects built already, all at once, changed or not (a .env save
        # changes what a module-level os.environ read gave): a call in flight keeps the Tool it started with.
        self.server._tool_manager._tools = dict(loaded.tools())
        self.loaded = loaded
        return changed, loaded.problems

    def load_prompts(self) -> list[str]:
        from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument

        problems: list[str] = []
        for name in self.prompt_names:
            with contextlib.suppress(Exception):
                self.server.remove_prompt(name)
        self.prompt_names = []
        try:
            prompts = scan_prompts(self.project)
        except (OSError, UnicodeDecodeError) as exc:
            return [f"prompts not loaded: {exc}"]
        for prompt in prompts.values():

            def render(_prompt: Any = prompt, **values: Any) -> str:
                return _prompt.render(**{k: str(v) for k, v in values.items()})

            self.server.add_prompt(
                Prompt(  # type: ignore[call-arg]  # pydantic fields with defaults read as required by mypy
                    name=prompt.name,
                    description=prompt.description or f"src/prompts/{Path(prompt.path).name}",
                    arguments=[
                        PromptArgument(name=a, required=True)  # type: ignore[call-arg]  # as above
                        for a in prompt.arguments
                    ],
                    fn=render,
                )
            )
            self.prompt_names.append(prompt.name)
        return problems

    async def report(self, problems: list[str]) -> None:
        for problem in problems:
            log(problem)
            await self.clients.log("error", problem)

    async def reload_tools(self) -> None:
        changed, problems = self.load_tools()
        await self.report(problems)
        if changed:
            self.reloads += 1
            log(
                f"tools reloaded ({self.reloads}): {', '.join(sorted(self.loaded.tools() if self.loaded else {}))}"
            )
            await self.clients.tools_changed()

    async def on_changes(self, rows: set[Row]) -> None:
        if Row.ENV in rows and self.env.apply():
            log(".env applied")
        if rows & {Row.TOOLS, Row.ENV, Row.SCRIPTS}:
            await self.reload_tools()
        if Row.PROMPTS in rows:
            await self.report(self.load_prompts())
            await self.clients.prompts_changed()
        if Row.REQUIREMENTS in rows:
            await self.install_requirements()
        if Row.RESTART in rows:
            await self.report(["agent.toml or module wiring changed: restart the server to apply it"])

    async def install_requirements(self) -> None:
        from dapper_tui.capsule import venv as venvs

        if not venvs.needs_install(self.project):
            return
        await self.clients.log("info", "requirements.txt changed: installing into a new venv")
        result = await venvs.install_requirements(self.project)
        if not result.ok or result.venv is None:
            await self.report(
                [f"pip install -r requirements.txt failed (data/logs/install.log):\n{result.output[-2000:]}"]
            )
            return
        venvs.activate(self.project, result.venv)
        switch_imports(self.project, result.venv)
        message = (
            f"requirements installed in {result.duration_s:.1f} s; the tools now import from the new venv"
        )
        log(message)
        await self.clients.log("info", message)
        await self.reload_tools()


def switch_imports(project: AgentProject, venv: Path) -> None:
    """Import the project's libraries from ``venv`` from now on, in this process.

    The project venv's ``site-packages`` on ``sys.path`` is replaced by the new one's (put first when the server
    started without one), and the modules imported from the old venv are forgotten, so the tools' next import
    of a library (at the reload that follows, or lazily in a call) loads the new version. A call in flight
    keeps the module objects it has. A compiled extension already loaded stays loaded in the process beside
    its new version: if that matters, restart the server.
    """
    import importlib

    venvs_root = os.path.realpath(project.venvs_dir) + os.sep
    new_site = next((venv.resolve().glob("lib/python*/site-packages")), None)
    if new_site is None:
        return
    old_sites = [
        p for p in sys.path if os.path.realpath(p).startswith(venvs_root) and p.endswith("site-packages")
    ]
    sys.path[:] = [p for p in sys.path if p not in old_sites]
    sys.path.insert(1 if sys.path and sys.path[0] in ("", os.getcwd()) else 0, str(new_site))
    for old in old_sites:
        prefix = os.path.realpath(old) + os.sep
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if file and os.path.realpath(file).startswith(prefix):
                del sys.modules[name]
    importlib.invalidate_caches()


_FOLDER_ROWS = {"tools": Row.TOOLS, "prompts": Row.PROMPTS, "scripts": Row.SCRIPTS}


def _row(project: AgentProject, change: Any, path: str) -> Row | None:
    """The reload-table row of a change: ``project.classify``'s, and a folder added under ``src/tools``,
    ``src/prompts`` or ``src/scripts`` (a folder moved in, ``cp -r``, ``git checkout``, ``mkdir -p`` and a file
    written at once): the files in it have no event of their own, or one from before the watch on the new folder
    existed, so the folder's own event starts the reload, which reads the disk and finds them."""
    import watchfiles

    row = project.classify(Path(path))
    if row is not None or change != watchfiles.Change.added or not os.path.isdir(path):
        return row
    try:
        parts = Path(os.path.realpath(path)).relative_to(project.root).parts
    except ValueError:
        return None
    hidden = any(p == "__pycache__" or p.startswith(".") for p in parts)
    if len(parts) >= 2 and parts[0] == "src" and parts[1] in _FOLDER_ROWS and not hidden:
        return _FOLDER_ROWS[parts[1]]
    return None


async def _watch(surface: ProjectSurface, stop: Any) -> None:
    """Reload on save until ``stop`` is set (set it before cancelling: watchfiles' thread only sees the event)."""
    import watchfiles

    project = surface.project

    def wanted(change: Any, path: str) -> bool:
        return _row(project, change, path) is not None

    async for changes in watchfiles.awatch(
        project.root, watch_filter=wanted, debounce=50, step=10, stop_event=stop
    ):
        rows = {row for c, p in changes if (row := _row(project, c, p)) is not None}
        try:
            await surface.on_changes(rows)
        except Exception as exc:  # a reload must never take the server down
            await surface.report([f"reload failed: {type(exc).__name__}: {exc}"])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dapper_tui.capsule.mcp_server")
    parser.add_argument("dir", type=Path)
    parser.add_argument("--no-watch", action="store_true", help="do not reload on save")
    args = parser.parse_args(argv)

    from dapper_tui.capsule.host import _pin_import_prefix

    _pin_import_prefix()
    import anyio
    import mcp.server.stdio
    from mcp.server.lowlevel import NotificationOptions
    from mcp.shared.exceptions import MCPDeprecationWarning

    # logging is deprecated at protocol 2026-07-28, and what every handshake-era client (Claude Desktop, VS Code,
    # the Inspector) shows: a tool's ctx.info() must not print a warning into the server's stderr each time
    warnings.filterwarnings("ignore", category=MCPDeprecationWarning)

    project = AgentProject(args.dir)
    root = project.root
    os.environ["DAPPER_AGENT_DIR"] = str(root)
    os.environ["DAPPER_AGENT_DATA"] = str(project.data_dir)
    os.chdir(root)
    sys.dont_write_bytecode = True
    clients = Clients()
    server = build_server(project, clients)
    surface = ProjectSurface(project, server, clients)
    surface.env.apply()
    _changed, problems = surface.load_tools()
    problems += surface.load_prompts()
    for problem in problems:
        log(problem)
        clients.pending.append(("error", problem))
    names = sorted(surface.loaded.tools()) if surface.loaded else []
    log(
        f"dapper-tui mcp: {root}: {len(names)} tools ({', '.join(names)}), {len(surface.prompt_names)} prompts"
    )
    lowlevel = server._lowlevel_server  # MCPServer.run_stdio_async has no way to declare list_changed
    options = lowlevel.create_initialization_options(
        NotificationOptions(tools_changed=True, prompts_changed=True)
    )

    async def serve() -> None:
        stop = anyio.Event()
        async with anyio.create_task_group() as tg:
            if not args.no_watch:
                tg.start_soon(_watch, surface, stop)
            async with mcp.server.stdio.stdio_server() as (read_stream, write_stream):
                await lowlevel.run(read_stream, write_stream, options)
            # the client has gone: the watcher's thread stops within a step (a cancel alone waited for
            # watchfiles' 5 s timeout, and clients kill a server that does not exit after 2 s)
            stop.set()
            tg.cancel_scope.cancel()

    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(serve)
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
