"""`O` shows the program's output full-screen (and the layout again); the program's terminal takes the new size.
SVG snapshots of the Output pane showing a real program's colours, progress line and long line."""

from __future__ import annotations

from dapper_tui.tui.screens.exited import ExitedScreen
from helpers import line_of
from test_output_terminal import PROGRAM, program_terminal, shown, terminal_env
from tuihelpers import app_until, make_app, wait_stopped

__all__ = ["terminal_env"]  # a fixture the tests below use


async def test_o_shows_the_output_full_screen_and_the_program_sees_the_new_width(terminal_env) -> None:
    last = line_of(PROGRAM, "# the last line")
    app = make_app(PROGRAM, {PROGRAM: [last]})
    with program_terminal(app):
        async with app.run_test(size=(150, 42)) as pilot:
            await wait_stopped(pilot, last)
            out = app.main.output
            narrow = out.scrollable_content_region.width
            await pilot.press("O")
            await pilot.pause()
            assert app.screen.maximized is out
            wide = out.scrollable_content_region.width
            assert wide > narrow + 40
            # rewrapped at the new width: the long line takes fewer rows
            assert shown(out)[4] == ("long: " + "".join(str(i % 10) for i in range(150)))[:wide]
            await pilot.press("c")
            await app_until(pilot, lambda: isinstance(app.screen, ExitedScreen), what="the exit screen")
            assert out.text.rstrip("\n").splitlines()[-2] == f"columns: {wide}"
            await pilot.press("escape")
            await pilot.press("O")
            await pilot.pause()
            assert app.screen.maximized is None
            assert out.scrollable_content_region.width == narrow


def test_snapshot_of_the_program_output_full_screen(snap_compare, terminal_env) -> None:
    last = line_of(PROGRAM, "# the last line")
    app = make_app(PROGRAM, {PROGRAM: [last]})

    async def run_before(pilot) -> None:
        await wait_stopped(pilot, last)
        await app_until(pilot, lambda: "warning: on stderr" in app.main.output.text)
        await pilot.press("O")
        await pilot.press("c")
        await app_until(pilot, lambda: isinstance(app.screen, ExitedScreen), what="the exit screen")
        await pilot.press("escape")
        await pilot.pause(0.1)

    with program_terminal(app):
        assert snap_compare(app, terminal_size=(110, 30), run_before=run_before)


def test_snapshot_of_the_output_pane_in_the_layout(snap_compare, terminal_env) -> None:
    last = line_of(PROGRAM, "# the last line")
    app = make_app(PROGRAM, {PROGRAM: [last]})

    async def run_before(pilot) -> None:
        await wait_stopped(pilot, last)
        await app_until(pilot, lambda: "warning: on stderr" in app.main.output.text)
        await pilot.pause(0.1)

    with program_terminal(app):
        assert snap_compare(app, terminal_size=(150, 42), run_before=run_before)
