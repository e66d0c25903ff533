"""SVG snapshots of the main screen (fixed size, no clock, paths shown relative to the program)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import line_of
from tuihelpers import app_until, make_app, wait_stopped

PROGRAM = Path(__file__).parent / "programs" / "snap_demo.py"


def test_main_screen_stopped_at_a_breakpoint(snap_compare) -> None:
    line = line_of(PROGRAM, "return round(")
    app = make_app(PROGRAM, {PROGRAM: [line]})

    async def run_before(pilot) -> None:
        await wait_stopped(pilot, line)
        await app_until(pilot, lambda: app.main.variables.find("amount") is not None)
        app.main.variables.find("self").expand()
        await app_until(pilot, lambda: app.main.variables.find("customer") is not None)

    assert snap_compare(app, terminal_size=(150, 42), run_before=run_before)


def test_help_screen(snap_compare) -> None:
    line = line_of(PROGRAM, "amount = sum(")
    app = make_app(PROGRAM, {PROGRAM: [line]})

    async def run_before(pilot) -> None:
        await wait_stopped(pilot, line)
        await pilot.press("?")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(150, 42), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45)], ids=["80x24", "100x30", "160x45"])
def test_main_screen_at_common_terminal_sizes(snap_compare, size) -> None:
    """The source pane has the most room (half the width and more from 100 columns); the footer keeps the main
    keys at 100x30; the execution line (orange) and the cursor line (blue, one line below) differ."""
    line = line_of(PROGRAM, "return round(")
    app = make_app(PROGRAM, {PROGRAM: [line]})

    async def run_before(pilot) -> None:
        await wait_stopped(pilot, line)
        await app_until(pilot, lambda: app.main.variables.find("amount") is not None)
        await app_until(pilot, lambda: app.main.source._highlighted is not None)
        app.main.source.focus()
        await pilot.press("down")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
