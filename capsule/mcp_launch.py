"""``dapper-tui mcp DIR``: the agent project's tools, prompts and data as an MCP server (stdio) for any client.

    dapper-tui mcp DIR                  serve (stdio); what MCP clients run
    dapper-tui mcp DIR --print-config   print copy-paste config for Claude Desktop, VS Code and the Inspector

Before serving, it does what the console's capsule does: when the project has a ``requirements.txt`` and the
venv in use was not built from it, it installs it into a new venv (``capsule/venv.py``; pip's output goes to
``data/logs/install.log``, progress lines to stderr) and switches ``DIR/.venv`` to it. Then it replaces itself
(``exec``: same process, so the client's pipes and pid stay) with ``capsule/mcp_server.py`` on the project's
interpreter. Nothing is written to stdout before the server speaks MCP on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

from dapper_tui.capsule.project import AgentProject, ProjectError


def command_line(root: Path) -> list[str]:
    """An absolute command line that starts this server for ``root``, from any working directory."""
    script = Path(sys.executable).parent / "dapper-tui"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script), "mcp", str(root)]
    return [os.path.abspath(sys.executable), "-m", "dapper_tui", "mcp", str(root)]


def client_config(root: Path, name: str) -> dict[str, Any]:
    command, *args = command_line(root)
    inspector = ["npx", "@modelcontextprotocol/inspector", "--cli", command, *args, "--method", "tools/list"]
    return {
        "claude_desktop": {"mcpServers": {name: {"command": command, "args": args}}},
        "vscode": {"servers": {name: {"type": "stdio", "command": command, "args": args}}},
        "inspector": {
            "cli": shlex.join(inspector),
            "ui": shlex.join(["npx", "@modelcontextprotocol/inspector", command, *args]),
        },
    }


def _json_block(value: Any) -> str:
    """Indented JSON with each list of strings on one line (``"args": ["mcp", "/abs/dir"]``), as in the README."""
    text = json.dumps(value, indent=2)
    return re.sub(
        r'\[\n\s*((?:"(?:[^"\\]|\\.)*",?\n\s*)+)\]',
        lambda m: (
            "["
            + ", ".join(line.strip().rstrip(",") for line in m.group(1).splitlines() if line.strip())
            + "]"
        ),
        text,
    )


def config_text(root: Path, name: str) -> str:
    """``--print-config``'s output: per client a ``# heading`` line, then what to paste (each JSON block valid
    JSON on its own), as the README's "Client configuration" shows."""
    config = client_config(root, name)
    return "\n".join(
        [
            "# Claude Desktop (claude_desktop_config.json)",
            _json_block(config["claude_desktop"]),
            "",
            "# VS Code (.vscode/mcp.json)",
            _json_block(config["vscode"]),
            "",
            "# MCP Inspector",
            config["inspector"]["cli"],
            config["inspector"]["ui"] + "   # the web UI",
        ]
    )


def _server_name(project: AgentProject) -> str:
    try:
        name = project.config().name
    except ProjectError:
        name = project.root.name
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name) or "agent"


def ensure_venv(project: AgentProject) -> str:
    """The interpreter to serve on: the project's venv, installed from requirements.txt first when missing."""
    from dapper_tui.capsule import venv as venvs

    if not venvs.needs_install(project):
        return project.python()
    print(
        f"dapper-tui mcp: installing {project.requirements_file} into a new venv ...",
        file=sys.stderr,
        flush=True,
    )
    result = asyncio.run(venvs.install_requirements(project))
    if not result.ok or result.venv is None:
        print(
            f"dapper-tui mcp: pip install -r requirements.txt failed (see {project.logs_dir / 'install.log'}):\n"
            f"{result.output[-3000:]}",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(1)
    python = venvs.activate(project, result.venv)
    print(f"dapper-tui mcp: requirements installed in {result.duration_s:.1f} s", file=sys.stderr, flush=True)
    return python


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="dapper-tui mcp",
        description="Serve an agent project's tools, prompts (src/prompts) and data/ files over MCP (stdio), "
        "with hot reload on save.",
    )
    parser.add_argument("dir", help="the agent project folder")
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print what to paste into Claude Desktop's and VS Code's config (a JSON block each), and the "
        "Inspector's command lines",
    )
    parser.add_argument("--no-watch", action="store_true", help="do not reload on save")
    ns = parser.parse_args(argv)
    try:
        project = AgentProject(ns.dir)
    except ProjectError as exc:
        print(f"dapper-tui mcp: {exc}", file=sys.stderr)
        return 2
    if ns.print_config:
        print(config_text(project.root, _server_name(project)))
        return 0
    python = ensure_venv(project)
    command = [python, "-u", "-m", "dapper_tui.capsule.mcp_server", str(project.root)]
    if ns.no_watch:
        command.append("--no-watch")
    # PYTHON* entries of .env act at interpreter start-up (as in the console's capsule); the rest is applied by
    # the server itself, which reapplies .env at each save
    startup = {k: v for k, v in project.env().items() if k.startswith("PYTHON")}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(python, command, {**os.environ, **startup, "PYTHONUNBUFFERED": "1"})
    return 0  # not reached
