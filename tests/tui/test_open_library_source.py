"""The TUI's open prompt (`m`): a loaded library module opened by name, a breakpoint set in it with `b`, hit; `R`
on it reloads with the library warning in the reload log; a name that matches nothing says why and opens
nothing. The package is real: a wheel pip installs into site-packages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import line_of
from installed_packages import installed_util
from tuihelpers import app_until, make_app, press_and_stop, wait_stopped


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with installed_util(tmp_path / "wheels", "dapper_tuiopen") as found:
        yield found


async def _open(pilot, text: str) -> None:
    await pilot.press("m")
    await app_until(pilot, lambda: pilot.app.screen.query_one("#open-input").has_focus)
    pilot.app.screen.query_one("#open-input").value = text
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.slow
async def test_open_a_library_module_by_name_break_in_it_and_reload_it(tmp_path: Path, lib) -> None:
    from dapper_tui.tui.screens.open_source import OpenSourceScreen

    name, util = lib
    prog = tmp_path / "prog.py"
    prog.write_text(f"from {name}.util import louder\nprint(louder('a'))\nprint(louder('b'))\n")
    app = make_app(prog, stop_on_entry=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, 1)
        screen = app.main

        # not imported yet: the prompt says so and stays open; Escape leaves everything as it was
        await _open(pilot, f"{name}.util")
        assert isinstance(app.screen, OpenSourceScreen)
        error = str(app.screen.query_one("#open-error").render())
        assert f"{name}.util: no loaded module of that name" in error
        await pilot.press("escape")
        await app_until(pilot, lambda: app.screen is screen)
        assert screen.source.path == str(prog)

        await press_and_stop(pilot, "n", 2)  # the import ran
        await _open(pilot, f"{name}.util")
        await app_until(pilot, lambda: app.screen is screen and screen.source.path == str(util))
        lib_line = line_of(util, "lib line")
        screen.source.go_to_line(lib_line)
        await pilot.press("b")
        await app_until(pilot, lambda: any(b.path == str(util) for b in app.session.breakpoint_list()))
        [bp] = [b for b in app.session.breakpoint_list() if b.path == str(util)]
        assert bp.verified
        assert bp.line == lib_line

        await press_and_stop(pilot, "c", lib_line)
        assert screen.stack.selected_frame.name == "louder"
        assert screen.source.path == str(util)

        util.write_text(util.read_text().replace('return big + "?"', 'return big + "!"'))
        await pilot.press("R")
        await app_until(pilot, lambda: screen.reload_log.records, what="a reload record")
        record = screen.reload_log.records[-1]
        assert record.outcome == "applied", record
        assert record.module == f"{name}.util", record
        assert "warning: library module: reloaded on request" in screen.reload_log.detail_text

        screen.source.go_to_line(lib_line)
        await pilot.press("b")  # the breakpoint off again
        await app_until(pilot, lambda: not app.session.breakpoint_list())
        await pilot.press("c")
        await app_until(pilot, lambda: app.session.state == "exited")
    assert app.session.exit_code == 0


async def test_open_a_library_file_by_path(tmp_path: Path, lib) -> None:
    name, util = lib
    prog = tmp_path / "prog.py"
    prog.write_text(f"from {name}.util import louder\nprint(louder('a'))\n")
    app = make_app(prog, stop_on_entry=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, 1)
        screen = app.main
        await _open(pilot, str(tmp_path / "nothere.py"))
        assert "nothere.py: no such file" in str(app.screen.query_one("#open-error").render())
        await pilot.press("escape")
        await app_until(pilot, lambda: app.screen is screen)
        await _open(pilot, str(util))  # a path: the file need not be imported yet
        await app_until(pilot, lambda: app.screen is screen and screen.source.path == str(util))
        screen.source.go_to_line(line_of(util, "lib line"))
        await pilot.press("b")
        await press_and_stop(pilot, "c", line_of(util, "lib line"))
        assert screen.stack.selected_frame.name == "louder"
