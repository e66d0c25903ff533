"""Make the README screenshots from the real app, debugging the bundled example.

    python screenshots/make.py

Writes screenshots/debugger-stopped.svg (stopped at a breakpoint in examples/shop_demo.py) and
screenshots/reload-log.svg (after a hot reload of a helper module, when engine/hotreload is installed). The
example is copied to a temporary folder first, so the edit never touches the repository.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
SIZE = (150, 42)


async def _wait(pilot, predicate, timeout: float = 10.0) -> None:
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
        screen.evaluate_watches()
        await _wait(pilot, lambda: len(screen.watches.values) == 2)
        node = screen.variables.find("self")
        node.expand()
        await _wait(pilot, lambda: screen.variables.find("items") is not None)
        screen.variables.find("items").expand()
        await pilot.pause(0.3)
        screen.source.focus()
        app.save_screenshot("debugger-stopped.svg", str(HERE))
        print("wrote", HERE / "debugger-stopped.svg")

        if not app.hotreload:
            print("engine/hotreload is not installed: no reload-log.svg", file=sys.stderr)
            return
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
        await pilot.pause(5.5)  # let the notifications time out: they are not part of the picture
        app.save_screenshot("reload-log.svg", str(HERE))
        print("wrote", HERE / "reload-log.svg")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
