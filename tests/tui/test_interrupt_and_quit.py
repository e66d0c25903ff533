"""Ctrl+C pauses the running program as in a terminal (and is harmless when it is not running), Ctrl+Q asks
before quitting as q does, and the status says "running" from the program's start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dapper_tui.tui.screens.confirm import ConfirmScreen
from helpers import line_of, write
from textual.widgets._toast import Toast
from tuihelpers import app_until, make_app, wait_stopped

SPIN = """\
import time
n = 0
while True:
    n += 1  # spin
    time.sleep(0.001)
"""


def _toasts(app: Any) -> str:
    return "\n".join(str(t.render()) for t in app.screen.query(Toast))


async def test_the_status_says_running_from_the_start_and_ctrl_c_pauses(tmp_path: Path) -> None:
    prog = write(tmp_path, "spin.py", SPIN)
    app = make_app(prog)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await app_until(pilot, lambda: app.session.state == "running", what="the program to run")
        await app_until(pilot, lambda: "  running" in app.main.state_text, what="the running status")
        assert "starting" not in app.main.state_text
        assert app.main.stop_gen == 0  # no stop so far: the status did not wait for one

        await pilot.press("ctrl+c")
        await wait_stopped(pilot)
        assert "stopped  Paused" in app.main.state_text
        frame = app.main.stack.selected_frame
        assert frame.name == "<module>"
        assert frame.path == str(prog.resolve())
        assert app.main.source.current_line in range(3, 7)  # the arrow is on a line of the loop
        assert app.main.variables.find("n") is not None

        # stopped, Ctrl+C changes nothing and says so
        stops = app.main.stop_gen
        await pilot.press("ctrl+c")
        await app_until(pilot, lambda: "already stopped" in _toasts(app), what="the notice")
        await pilot.pause(0.2)
        assert app.session.state == "stopped"
        assert app.main.stop_gen == stops
        assert "stopped  Paused" in app.main.state_text

        # continued, it runs (and says so) until the next Ctrl+C
        await pilot.press("f5")
        await app_until(pilot, lambda: "  running" in app.main.state_text, what="running again")
        stops = app.main.stop_gen
        await pilot.press("ctrl+c")
        await app_until(pilot, lambda: app.main.stop_gen > stops and app.session.state == "stopped")
        await wait_stopped(pilot)
        assert "stopped  Paused" in app.main.state_text


async def test_ctrl_c_copies_the_selected_text_when_the_program_is_stopped(tmp_path: Path) -> None:
    prog = write(tmp_path, "stop.py", "x = 1\ny = 2  # stop\n")
    line = line_of(prog, "# stop")
    app = make_app(prog, {prog: [line]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line)
        status = app.main.query_one("#status")
        status.text_select_all()
        await pilot.pause()
        await pilot.press("ctrl+c")
        await app_until(pilot, lambda: "stopped" in app.clipboard, what="the copied status line")
        assert app.session.state == "stopped"


async def test_the_status_says_running_after_a_restart_before_any_stop(tmp_path: Path) -> None:
    prog = write(tmp_path, "spin.py", SPIN)
    app = make_app(prog)
    async with app.run_test(size=(140, 40)) as pilot:
        await app_until(pilot, lambda: "  running" in app.main.state_text, what="the running status")
        await pilot.press("ctrl+t")
        await app_until(pilot, lambda: "[restarting]" in app.main.output.text, what="the restart")
        await app_until(
            pilot,
            lambda: app.session.state == "running" and "  running" in app.main.state_text,
            what="running after the restart",
        )
        await pilot.pause(0.3)  # the ended run's exit is not shown over it
        assert "  running" in app.main.state_text
        assert "exited" not in app.main.state_text


async def test_ctrl_q_asks_first_as_q_does(tmp_path: Path) -> None:
    prog = write(tmp_path, "spin.py", SPIN)
    app = make_app(prog)
    async with app.run_test(size=(140, 40)) as pilot:
        await app_until(pilot, lambda: app.session.state == "running", what="the program to run")
        await pilot.press("ctrl+q")
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "The program is still running and will be ended" in app.screen.question
        await pilot.press("n")
        await app_until(pilot, lambda: app.screen is app.main, what="back to the debugger")
        await pilot.pause(0.2)
        assert app.return_code is None  # still there
        assert app.session.state == "running"

        await pilot.press("q")  # q asks the same question
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("escape")
        await app_until(pilot, lambda: app.screen is app.main, what="back to the debugger")

        await pilot.press("ctrl+q")
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("ctrl+q")  # Ctrl+Q on the question: quit
        await app_until(pilot, lambda: app.return_code is not None, what="the app to quit")
