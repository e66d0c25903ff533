"""A hot reload that moves a breakpoint saves it at its new line at once, not only when the app exits."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.persist import ProjectState
from helpers import line_of, write
from tuihelpers import app_until, make_app, wait_stopped

MAIN = """\
import calc

print("first", calc.price(10))
"""
CALC = """\
def price(n):
    return n * 2  # bp
"""


async def test_a_breakpoint_moved_by_a_reload_is_saved_at_its_new_line(tmp_path: Path) -> None:
    main = write(tmp_path, "main.py", MAIN)
    calc = write(tmp_path, "calc.py", CALC)
    line = line_of(calc, "# bp")
    app = make_app(main, {calc: [line]}, persist=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, line)
        app.remember()  # what the app does when the user sets a breakpoint
        assert ProjectState.load(main).specs() == {str(calc.resolve()): [BreakpointSpec(line)]}
        calc.write_text(CALC.lstrip().replace("def price(n):\n", "def price(n):\n    # one\n    # two\n"))
        await pilot.press("R")
        await app_until(pilot, lambda: len(app.main.reload_log.records) == 1, what="a reload row")
        assert app.main.reload_log.records[0].outcome == "applied"
        # the app is still running: nothing has saved on exit yet
        saved = ProjectState.load(main).specs()
        assert saved == {str(calc.resolve()): [BreakpointSpec(line + 2)]}
