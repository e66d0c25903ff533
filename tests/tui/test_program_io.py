"""Program output, input() answered from the app, exit code with a restart offer, help, quit, palette."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.tui.keys import KEYS
from dapper_tui.tui.screens.confirm import ConfirmScreen
from dapper_tui.tui.screens.exited import ExitedScreen
from dapper_tui.tui.screens.help import HelpScreen
from dapper_tui.tui.screens.prompt import PromptScreen
from helpers import line_of, write
from textual.widgets import DataTable
from tuihelpers import app_until, make_app, wait_stopped


async def test_output_pane_shows_prints_and_input_is_answered_from_the_app(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "greet.py",
        """\
        import sys
        print("starting")
        print("oops", file=sys.stderr)
        name = input("your name? ")
        print(f"hello {name}")
        """,
    )
    app = make_app(prog)
    async with app.run_test(size=(140, 40)) as pilot:
        await app_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the input prompt")
        assert "your name? " in app.screen.note
        await pilot.press(*"bob", "enter")
        await app_until(pilot, lambda: isinstance(app.screen, ExitedScreen), what="the exit screen")
        out = app.main.output
        assert "starting\noops\nyour name? bob\nhello bob\n" in out.text
        lines = ["".join(seg.text for seg in strip).rstrip() for strip in out.lines]
        assert lines[:4] == ["starting", "oops", "your name? bob", "hello bob"]
        # stderr is red in the pane
        assert any(seg.style and seg.style.color and seg.style.color.name == "red" for seg in out.lines[1])


async def test_exit_shows_the_exit_code_and_restart_runs_again(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "fail.py",
        """\
        import sys
        print("run")
        sys.exit(3)
        """,
    )
    app = make_app(prog)
    async with app.run_test(size=(140, 40)) as pilot:
        await app_until(pilot, lambda: isinstance(app.screen, ExitedScreen), what="the exit screen")
        assert "exited with code 3" in str(app.screen.query_one("#exit-code").render())
        assert "exit code 3" in app.main.state_text
        await pilot.press("r")  # restart
        await app_until(pilot, lambda: app.main.output.text.count("run\n") == 2, what="a second run")
        await app_until(pilot, lambda: isinstance(app.screen, ExitedScreen))
        await pilot.press("escape")  # stay, to read the output
        await app_until(pilot, lambda: not isinstance(app.screen, ExitedScreen))
        assert app.main.output.text.count("[program exited with code 3]") == 2


async def test_uncaught_exception_stops_post_mortem(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "boom.py",
        """\
        def explode(value):
            return 1 / value


        explode(0)
        """,
    )
    app = make_app(prog)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line_of(prog, "return 1 / value"))
        assert "post-mortem  ZeroDivisionError: division by zero" in app.main.state_text
        assert "ZeroDivisionError" in app.main.output.text
        assert app.main.variables.find("value") is not None


async def test_help_lists_every_key_and_quit_asks_first(tmp_path: Path) -> None:
    prog = write(tmp_path, "wait.py", "x = 1\ny = 2\n")
    app = make_app(prog, {prog: [1]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, 1)
        await pilot.press("?")
        await app_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        for key in KEYS:
            assert any(r[1] == (key.display or key.keys) for r in rows), key
        await pilot.press("escape")
        await app_until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        # the footer shows the main keys
        await pilot.press("q")
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # no: still debugging
        await app_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.is_running
        await pilot.press("q")
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await app_until(pilot, lambda: not app.is_running, what="the app to exit")


async def test_command_palette_has_an_entry_for_each_key(tmp_path: Path) -> None:
    prog = write(tmp_path, "wait.py", "x = 1\ny = 2\n")
    app = make_app(prog, {prog: [1]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, 1)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for key in KEYS:
            if key.palette:
                assert any(t.startswith(key.description + " (") for t in titles), key
        step = next(c for c in app.get_system_commands(app.screen) if c.title.startswith("Over"))
        gen = app.main.stop_gen
        step.callback()
        await app_until(pilot, lambda: app.main.stop_gen >= gen + 2 and app.main.source.current_line == 2)


async def test_pause_stops_a_running_program(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "spin.py",
        """\
        import time
        n = 0
        while True:
            n += 1
            time.sleep(0.001)
        """,
    )
    app = make_app(prog)
    async with app.run_test(size=(140, 40)) as pilot:
        await app_until(pilot, lambda: app.session.state == "running")
        await pilot.pause(0.1)
        await pilot.press("f6")
        await wait_stopped(pilot)
        assert "Paused" in app.main.state_text
        assert app.main.source.current_line in (3, 4, 5)


async def test_x_also_stops_on_raised_exceptions_and_z_zooms_a_pane(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "caught.py",
        """\
        def lookup():
            try:
                raise KeyError("handled")
            except KeyError:
                return None


        x = 1  # stop
        lookup()
        print("end")
        """,
    )
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, stop)
        await pilot.press("x")
        assert "raised" in app.session.exception_filters
        await pilot.press("c")
        await app_until(pilot, lambda: "KeyError" in app.main.state_text, what="the stop on the raise")
        assert app.main.source.current_line == line_of(prog, "raise KeyError")
        app.main.output.focus()
        await pilot.press("z")
        assert app.main.maximized is app.main.output
        await pilot.press("z")
        assert app.main.maximized is None
