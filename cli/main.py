"""The `dapper-tui` command."""

from __future__ import annotations

import argparse
import sys

USAGE = """\
dapper-tui script.py [args...]        debug a script in the full-screen TUI
dapper-tui -m package.module [args]   the same, for a module
dapper-tui --plain script.py          line-mode console over the same engine
dapper-tui script.py --agent DIR      debugger and agent console in one app
dapper-tui agent DIR [...]            agent console (see `dapper-tui agent --help`)
dapper-tui dap [--port N]             Debug Adapter Protocol server (stdio by default)
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dapper-tui", usage=USAGE, description="Terminal debugger with hot reload."
    )
    p.add_argument("-m", dest="module", help="debug a module, as python -m does")
    p.add_argument("--plain", action="store_true", help="line-mode console instead of the full-screen TUI")
    p.add_argument("--agent", metavar="DIR", help="also open the agent project in DIR")
    p.add_argument(
        "--stop-on-entry",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="stop at the program's first line, as pudb does (default); --no-stop-on-entry runs to a breakpoint",
    )
    p.add_argument("--all-code", action="store_true", help="show and step into library code too")
    p.add_argument("--version", action="store_true")
    p.add_argument("program", nargs="?", help="the script to debug")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "agent":
        return _agent(argv[1:])
    if argv and argv[0] == "dap":
        from dapper_tui.engine.dap.server import main as dap_main

        return dap_main(argv[1:])
    # Options after the program name belong to the program, except our own --agent DIR.
    ns = _parser().parse_args(_split_own_options(argv))
    if ns.version:
        from dapper_tui import __version__

        print(f"dapper-tui {__version__}")
        return 0
    if ns.module:
        if ns.program:
            ns.args = [ns.program, *ns.args]
        ns.program = None
    if not ns.program and not ns.module:
        print(USAGE, file=sys.stderr)
        return 2

    from dapper_tui.engine.launch import LaunchTarget

    target = LaunchTarget(program=ns.program, module=ns.module, args=ns.args)
    problem = target.check()
    if problem:
        print(f"dapper-tui: {problem}", file=sys.stderr)
        return 2
    if ns.plain:
        from dapper_tui.console.plain import run_plain

        return run_plain(target, stop_on_entry=ns.stop_on_entry, just_my_code=not ns.all_code)
    from dapper_tui.tui.app import run_app

    return run_app(target, agent_dir=ns.agent, stop_on_entry=ns.stop_on_entry, just_my_code=not ns.all_code)


def _agent(argv: list[str]) -> int:
    """`agent DIR` opens the agent console; -m, --json, --list-threads and `init` are the headless CLI."""
    headless = {"-m", "--message", "--json", "--list-threads", "-h", "--help"}
    if not argv or argv[0] == "init" or headless & set(argv):
        from dapper_tui.capsule.cli import main as agent_main

        return agent_main(argv)
    p = argparse.ArgumentParser(prog="dapper-tui agent", description="The agent console.")
    p.add_argument("dir", help="the agent project folder")
    p.add_argument("--watch", action="store_true", help="follow threads another process writes (read-only)")
    p.add_argument("--model", help="model backend, e.g. scripted, replay:FILE, openai:NAME")
    ns = p.parse_args(argv)
    from dapper_tui.tui.agent.app import run_agent_app

    return run_agent_app(ns.dir, watch=ns.watch, model=ns.model)


def _split_own_options(argv: list[str]) -> list[str]:
    """`dapper-tui script.py a b --agent DIR` keeps --agent for us; everything else after the script is its."""
    own: list[str] = []
    rest = list(argv)
    if "--agent" in rest:
        i = rest.index("--agent")
        own = rest[i : i + 2]
        del rest[i : i + 2]
    # argparse stops at the first positional; put our options first
    return own + rest


if __name__ == "__main__":
    raise SystemExit(main())
