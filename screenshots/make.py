"""Make the README screenshots from the real app, debugging the bundled example.

    python screenshots/make.py [--out DIR]

Writes screenshots/debugger-stopped.svg (stopped at a breakpoint in examples/shop_demo.py),
screenshots/reload-log.svg (after a hot reload of a helper module, then a failed one), and from the agent console
(`dapper-tui agent DIR` on a fresh `agent init` project, scripted model) screenshots/agent-thread.svg (a turn with
a tool call) and screenshots/agent-reload-failure.svg (a broken tool file, shown inline in the thread and in the
reload log). Everything runs in a temporary folder, so no edit touches the repository.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HERE = Path(__file__).resolve().parent  # where the pictures go; --out DIR changes it
SIZE = (150, 42)


async def _wait(pilot, predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("the app did not get there in time")
        await pilot.pause(0.05)
    await pilot.pause(0.2)


def _line(path: Path, marker: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if marker in line)


async def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dapper-shots-"))
    os.environ["XDG_STATE_HOME"] = str(work / "state")
    shutil.copy(EXAMPLES / "shop_demo.py", work / "shop_demo.py")
    shutil.copytree(EXAMPLES / "shop", work / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    program = work / "shop_demo.py"
    cart = work / "shop" / "cart.py"

    from dapper_tui.engine.breakpoints import BreakpointSpec
    from dapper_tui.engine.launch import LaunchTarget
    from dapper_tui.tui.app import DebuggerApp

    app = DebuggerApp(
        LaunchTarget(program=str(program)),
        persist=False,
        auto_reload=False,
        reload_clock=lambda record: "10:42:07",
    )
    line = _line(cart, "gross = sum(")
    app.session.set_breakpoints(str(cart), [BreakpointSpec(line)])
    app.session.set_breakpoints(str(program), [BreakpointSpec(_line(program, "return total"))])
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main
        await _wait(pilot, lambda: app.session.state == "stopped" and screen.source.current_line == line)
        screen.watches.set_expressions(["len(self.items)", "self.owner.title()"])
        screen.evaluation.watches()
        await _wait(pilot, lambda: len(screen.watches.values) == 2)
        node = screen.variables.find("self")
        node.expand()
        await _wait(pilot, lambda: screen.variables.find("items") is not None)
        screen.variables.find("items").expand()
        await pilot.pause(0.3)
        screen.source.focus()
        app.save_screenshot("debugger-stopped.svg", str(HERE))
        print("wrote", HERE / "debugger-stopped.svg")

        pricing = work / "shop" / "pricing.py"
        await pilot.pause(0.05)
        pricing.write_text(pricing.read_text().replace("if total > 50:", "if total > 30:"))
        screen.source.show_file(str(pricing), title=screen.display_path(str(pricing)))
        await pilot.press("R")
        await _wait(pilot, lambda: len(screen.reload_log.records) == 1)
        pricing.write_text(pricing.read_text().replace("return total * 0.10", "return total * 0.10 +"))
        await pilot.press("R")
        await _wait(pilot, lambda: len(screen.reload_log.records) == 2)
        screen.reload_log.table.focus()
        await pilot.press("z")  # zoom the reload log
        await pilot.pause(0.3)
        app.clear_notifications()  # notifications are not part of the picture
        await pilot.pause(0.3)
        app.save_screenshot("reload-log.svg", str(HERE))
        print("wrote", HERE / "reload-log.svg")
    shutil.rmtree(work, ignore_errors=True)


TOOL = '''
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"
'''


async def agent_shots() -> None:
    from dapper_tui.capsule.init import init_project
    from dapper_tui.tui.agent.app import AgentConsoleApp

    work = Path(tempfile.mkdtemp(prefix="dapper-agent-shots-"))
    project = work / "notes-agent"
    init_project(project, "notes-agent", False)
    (project / "src/tools/shout.py").write_text(TOOL)
    app = AgentConsoleApp(project, model="scripted")
    async with app.run_test(size=SIZE) as pilot:
        from dapper_tui.tui.panes.reload_log import ReloadLogPane

        app.query_one(ReloadLogPane)._clock = lambda record: "10:42:07"
        pane = app.pane
        await _wait(pilot, lambda: pane.runtime is not None and pane.runtime.revision >= 1, 30)
        for message in ('/call add_note {"text": "buy pears"}', '/call shout {"text": "hello"}'):
            pane.send(message)
            await _wait(pilot, lambda: not pane.busy and pane.view.running_tools == 0)
            await _wait(pilot, lambda m=message: m.split('"')[-2].upper() in pane.view.plain_text().upper())
        app.clear_notifications()  # notifications are not part of the picture
        await pilot.pause(0.3)
        app.save_screenshot("agent-thread.svg", str(HERE))
        print("wrote", HERE / "agent-thread.svg")
        (project / "src/tools/shout.py").write_text(TOOL + "\ndef broken(:\n")
        await _wait(pilot, lambda: "reload failed" in pane.view.plain_text(), 30)
        pane.send('/call shout {"text": "still works"}')
        await _wait(pilot, lambda: "STILL WORKS!" in pane.view.plain_text(), 30)
        app.clear_notifications()
        await pilot.pause(0.3)
        app.save_screenshot("agent-reload-failure.svg", str(HERE))
        print("wrote", HERE / "agent-reload-failure.svg")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if "--out" in sys.argv:
        HERE = Path(sys.argv[sys.argv.index("--out") + 1]).resolve()
        HERE.mkdir(parents=True, exist_ok=True)
    asyncio.run(main())
    asyncio.run(agent_shots())
