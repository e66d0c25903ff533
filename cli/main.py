"""The `dapper-tui` command."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Any

USAGE = """\
dapper-tui script.py [args...]        debug a script in the full-screen TUI
dapper-tui -m package.module [args]   the same, for a module
dapper-tui --plain script.py          line-mode console over the same engine
dapper-tui script.py --agent DIR      debugger and agent console in one app
dapper-tui agent DIR [...]            agent console (see `dapper-tui agent --help`)
dapper-tui mcp DIR [--print-config]   the agent's tools, prompts and data as an MCP server (stdio)
dapper-tui dap [--port N]             Debug Adapter Protocol server (stdio by default)
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dapper-tui", usage=USAGE, description="Terminal debugger with hot reload."
    )
    p.add_argument("--plain", action="store_true", help="line-mode console instead of the full-screen TUI")
    p.add_argument("--agent", metavar="DIR", help="also open the agent project in DIR")
    p.add_argument(
        "--stop-on-entry",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="stop at the program's first line, as pudb does (default); --no-stop-on-entry runs to a breakpoint",
    )
    p.add_argument("--all-code", action="store_true", help="show and step into library code too")
    p.add_argument(
        "--reload-libraries",
        action="store_true",
        help="a save of a loaded library file (site-packages) reloads it too (DAPPER_TUI_RELOAD_LIBRARIES=1)",
    )
    p.add_argument("--version", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "agent":
        return _agent(argv[1:])
    if argv and argv[0] == "mcp":
        from dapper_tui.capsule.mcp_launch import main as mcp_main

        return mcp_main(argv[1:])
    if argv and argv[0] == "dap":
        from dapper_tui.engine.dap.server import main as dap_main

        return dap_main(argv[1:])
    own, module, program, args = _split_argv(argv)
    ns = _parser().parse_args(own)
    if ns.version:
        from dapper_tui import __version__

        print(f"dapper-tui {__version__}")
        return 0
    if not program and not module:
        print(USAGE, file=sys.stderr)
        return 2
    ns.module, ns.program, ns.args = module, program, args
    if ns.reload_libraries:
        from dapper_tui.engine.sources import RELOAD_LIBRARIES_ENV

        os.environ[RELOAD_LIBRARIES_ENV] = "1"

    if ns.plain:
        return _plain(ns)
    # Start-up makes ~60,000 objects (Textual, Rich, the panes) that live as long as the app, and the cyclic
    # collector would go over them again and again as they pile up (~7 full passes before the first paint).
    # It is off until the first screen is up; the program only starts then, with the collector back on.
    collecting = gc.isenabled()
    gc.disable()
    try:
        target = _target(ns)
        if target is None:
            return 2
        from dapper_tui.tui.run import run_app

        return run_app(
            target,
            agent_dir=ns.agent,
            stop_on_entry=ns.stop_on_entry,
            just_my_code=not ns.all_code,
            painted=[gc.enable] if collecting else [],
        )
    finally:
        if collecting:
            gc.enable()


def _target(ns: argparse.Namespace) -> Any:
    """The LaunchTarget, or None after saying on stderr why the program cannot be run."""
    from dapper_tui.engine.launch import LaunchTarget

    target = LaunchTarget(program=ns.program, module=ns.module, args=ns.args)
    problem = target.check()
    if problem:
        print(f"dapper-tui: {problem}", file=sys.stderr)
        return None
    return target


def _plain(ns: argparse.Namespace) -> int:
    target = _target(ns)
    if target is None:
        return 2
    from dapper_tui.console.plain import run_plain

    return run_plain(target, stop_on_entry=ns.stop_on_entry, just_my_code=not ns.all_code)


def _agent(argv: list[str]) -> int:
    """`agent DIR [--watch] [--model M]` opens the agent console; `init` and the other options (-m, --json,
    --list-threads, --thread, ...) run the headless commands. One parser lists them all in --help."""
    from dapper_tui.capsule.cli import headless, parser
    from dapper_tui.capsule.cli import main as agent_main

    if argv and argv[0] == "init":
        return agent_main(argv)
    ns = parser().parse_args(argv)
    if headless(ns):
        return agent_main(argv)
    from dapper_tui.tui.agent.app import run_agent_app

    return run_agent_app(str(ns.dir), watch=ns.watch, model=ns.model)


# Our options that take a value: the next word is theirs, not the program's.
_VALUED = {"--agent"}


def _split_argv(argv: list[str]) -> tuple[list[str], str | None, str | None, list[str]]:
    """Split the command line as python does: our options, then `-m MODULE` or the script, then the program's
    own arguments, untouched (`dapper-tui -m pkg.mod -x 1` gives the module `-x 1`). The one exception is the
    documented `script.py ... --agent DIR`, which stays ours wherever it is."""
    own: list[str] = []
    module = program = None
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "-m" and i + 1 < len(argv):
            module, i = argv[i + 1], i + 2
            break
        if word.startswith("-m") and len(word) > 2:  # -mpkg.mod, as python accepts
            module, i = word[2:], i + 1
            break
        if word.startswith("-") and word != "-":
            own.append(word)
            if word in _VALUED and i + 1 < len(argv):
                own.append(argv[i + 1])
                i += 1
            i += 1
            continue
        program, i = word, i + 1
        break
    rest = argv[i:]
    if "--agent" in rest:
        at = rest.index("--agent")
        own += rest[at : at + 2]
        del rest[at : at + 2]
    return own, module, program, rest


if __name__ == "__main__":
    raise SystemExit(main())
