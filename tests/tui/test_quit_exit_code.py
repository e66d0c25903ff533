"""Quitting: the question says what happens to the program and which exit code dapper-tui ends with; the app's
return code follows that rule (the program's own code if it ended, 1 if the user ended it)."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.tui.screens.confirm import ConfirmScreen
from dapper_tui.tui.screens.exited import ExitedScreen
from helpers import line_of, write
from tuihelpers import app_until, make_app, wait_stopped

PROGRAM = """\
import sys
x = 1
y = 2  # stop
sys.exit(3)
"""


async def test_q_while_stopped_says_where_it_is_stopped_and_exits_with_1(tmp_path: Path) -> None:
    prog = write(tmp_path, "quitme.py", PROGRAM)
    line = line_of(prog, "# stop")
    app = make_app(prog, {prog: [line]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line)
        await pilot.press("q")
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the quit question")
        question = app.screen.question
        assert "still running" not in question
        assert f"The program is stopped at quitme.py:{line} and will be ended" in question
        assert "(dapper-tui's exit code: 1)" in question
        await pilot.press("y")
        await app_until(pilot, lambda: app.return_code is not None, what="the app to quit")
    assert app.return_value == 1


async def test_q_after_the_program_exited_gives_the_programs_exit_code(tmp_path: Path) -> None:
    prog = write(tmp_path, "quitme.py", PROGRAM)
    app = make_app(prog)
    async with app.run_test(size=(140, 40)) as pilot:
        await app_until(pilot, lambda: isinstance(app.screen, ExitedScreen), what="the exited dialog")
        await pilot.press("escape")  # stay, read the output, then q
        await app_until(pilot, lambda: app.screen is app.main, what="back to the debugger")
        await pilot.press("q")
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the quit question")
        assert "The program exited with code 3; dapper-tui exits with it" in app.screen.question
        await pilot.press("y")
        await app_until(pilot, lambda: app.return_code is not None, what="the app to quit")
    assert app.return_value == 3
