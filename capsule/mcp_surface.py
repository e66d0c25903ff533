"""What ``dapper-tui mcp DIR`` serves from the project, and how a save reloads it in the server's process.

``ProjectSurface`` holds the tools (``capsule/mcp_tools.py``, plus ``run_script`` when ``src/scripts/`` exists)
and the prompts (``src/prompts/**``) registered on the SDK's server. ``on_changes`` takes the reload-table rows
of a batch of saves (``capsule/mcp_watch.py``):

- ``src/tools/``, ``.env`` or a script folder: the tools are imported again; when what a client can see changed,
  the client gets exactly one ``notifications/tools/list_changed``. A tool that cannot be built is left out, a
  file that fails to import keeps its previous tools, and either is logged to stderr and sent as a log message.
- ``src/prompts/``: the prompts are scanned again, and one ``notifications/prompts/list_changed`` is sent.
- ``.env`` is applied to ``os.environ`` (``DotenvEnvironment``: the real environment wins, unless ``[env]
  override = true``; see ``capsule/project.py``), at start and at each save; its secrets join the server's
  redactor (a value once redacted stays redacted).
- ``requirements.txt``: installed into a new venv (as the console does: ``DIR/.venv`` moves to it once pip
  succeeded), and this process imports from it from then on (``switch_imports``); a failed install leaves
  everything as it was and is reported.
- ``agent.toml`` or the module wiring: reported; the server must be restarted to apply it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from dapper_tui.capsule import mcp_tools
from dapper_tui.capsule.mcp_clients import Clients, log
from dapper_tui.capsule.project import AgentProject, Row
from dapper_tui.capsule.prompts import scan_prompts
from dapper_tui.capsule.secrets import Redactor


class DotenvEnvironment:
    """``.env`` applied to ``os.environ``, again at each save: a name it no longer sets gets its real value back."""

    def __init__(self, project: AgentProject, redact: Redactor) -> None:
        self.project = project
        self.redact = redact
        self.base = dict(os.environ)  # the real environment, before any .env
        self.applied: dict[str, str] = {}

    def apply(self) -> bool:
        """Apply ``.env`` as it is now; ``True`` when ``os.environ`` changed."""
        wanted = self.project.env(self.base)
        self.redact.add(wanted)
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


class ProjectSurface:
    """What the server serves from the project, and its reloads."""

    def __init__(self, project: AgentProject, server: Any, clients: Clients) -> None:
        self.project = project
        self.server = server
        self.clients = clients
        self.loaded: mcp_tools.LoadedTools | None = None
        self.prompt_names: list[str] = []
        self.env = DotenvEnvironment(project, clients.redact)
        self.reloads = 0  # applied tool reloads (each sent one tools/list_changed)

    def _builtins(self) -> dict[str, Any]:
        if self.project.scripts_dir.is_dir():
            from dapper_tui.capsule.scripts import run_script

            return {"run_script": run_script}
        return {}

    def tool_names(self) -> list[str]:
        return sorted(self.loaded.tools()) if self.loaded else []

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
        return []

    async def report(self, problems: list[str]) -> None:
        for problem in problems:
            await self.clients.report("error", problem)

    async def reload_tools(self) -> None:
        changed, problems = self.load_tools()
        await self.report(problems)
        if changed:
            self.reloads += 1
            log(f"tools reloaded ({self.reloads}): {', '.join(self.tool_names())}")
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
        await self.clients.report("info", message)
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
