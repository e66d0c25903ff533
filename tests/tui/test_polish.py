"""User-QA polish of the debugger screen: Enter runs to the cursor line, the status of a run to line, search
`n` / `N` through matches on one line, the footer and help at 80 columns, opening a module by path, the reload
log and breakpoints pane at 100 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import line_of, write
from tuihelpers import app_until, make_app, press_and_stop, wait_stopped

PROGRAM = """\
total = 0  # stop
for i in range(3):
    total += i
done = total * 2  # target
print("end", done)
"""


async def test_enter_runs_to_the_cursor_line_and_the_status_says_so(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop, target = line_of(prog, "# stop"), line_of(prog, "# target")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_stopped(pilot, stop)
        app.main.source.focus()
        await pilot.pause()
        for _ in range(target - stop):
            await pilot.press("down")
        await press_and_stop(pilot, "enter", target)
        assert app.session.stack()[0].line == target
        assert f"Ran to line {target}" in app.main.state_text
        assert "Breakpoint" not in app.main.state_text  # no breakpoint is there
        assert app.session.breakpoints.by_path[str(prog.resolve())].keys() == {stop}


ITEMS = """\
item = 1  # stop
items = [item, item]
pad = 0
print(item, items)
pad = 1
label = "a long line that goes far to the right of the source pane before it names the thing: " + str(item)
print("end")
"""


async def test_search_n_and_N_visit_every_match_on_a_line_and_esc_scrolls_back(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", ITEMS)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_stopped(pilot, stop)
        source = app.main.source
        source.focus()
        await pilot.press("slash")
        await pilot.press(*"item", "enter")
        await pilot.pause()
        expected = [
            (n, col)
            for n, text in enumerate(prog.read_text().splitlines(), 1)
            for col in _finds(text, "item")
        ]
        assert len(expected) == 7
        seen = [_match_number(source)]
        for _ in range(len(expected) - 1):
            await pilot.press("n")
            seen.append(_match_number(source))
        assert seen == [1, 2, 3, 4, 5, 6, 7]  # each match once, in order, the three on line 2 too
        assert source.cursor_line == expected[-1][0]
        assert source.scroll_offset.x > 0  # the last one is far to the right
        await pilot.press("n")
        assert _match_number(source) == 1  # wrapped around
        await pilot.press("N", "N")
        assert _match_number(source) == 6
        assert source.cursor_line == expected[5][0]
        await pilot.press("n")
        assert source.scroll_offset.x > 0
        await pilot.press("escape")
        await pilot.pause()
        assert source.search is None
        assert source.scroll_offset.x == 0  # the view is back at the start of its lines


def _match_number(source) -> int:
    """The "match K of N" the view's subtitle shows."""
    words = str(source.border_subtitle).split()
    return int(words[words.index("match") + 1])


def _finds(text: str, needle: str) -> list[int]:
    cols, at = [], text.find(needle)
    while at >= 0:
        cols.append(at)
        at = text.find(needle, at + len(needle))
    return cols


def _screen_rows(app) -> list[str]:
    """The text of each row of the screen as drawn."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_footer_shows_help_and_quit_at_80_and_100_columns(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=size) as pilot:
        await wait_stopped(pilot, stop)
        for pane in (app.main.source, app.main.stack, app.main.variables):  # the stack adds a key of its own
            pane.focus()
            await app_until(
                pilot, lambda: "? Help" in _screen_rows(app)[-1], what=f"Help in the footer ({pane.id})"
            )
            footer = _screen_rows(app)[-1]
            assert "? Help" in footer, footer
            assert "q Quit" in footer, footer
            assert "F5 Continue" in footer, footer
            assert "F10 Over" in footer, footer
            assert not footer.rstrip().endswith(("palettei", "paletteq")), (
                footer
            )  # no stray letter of a cut key


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_help_screen_wraps_each_description_instead_of_cutting_it(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    from dapper_tui.tui.screens.help import HelpScreen

    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=size) as pilot:
        await wait_stopped(pilot, stop)
        app.main.source.focus()
        await pilot.press("question_mark")
        await app_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        rows = _screen_rows(app)
        header = next(i for i, row in enumerate(rows) if "where" in row and "what" in row)
        left = rows[header].index("what")
        right = rows[header].index("█", left) - 3  # the help box's right edge, its padding and the scrollbar
        what = " ".join(" ".join(row[left:right].split()) for row in rows[header + 1 :])
        # the descriptions whole, wrapped (at 80 columns "Run until the next breakp" was all there was)
        assert "Run until the next breakpoint or the end" in what, what
        assert "Step out: run until the current function returns" in what, what
        assert "Pause the running program (the status line says so while it runs)" in what, what
        assert "seed" not in " ".join(rows)


async def test_open_a_file_by_a_path_relative_to_the_current_directory(tmp_path: Path, monkeypatch) -> None:
    from dapper_tui.tui.screens.open_source import OpenSourceScreen

    prog = write(tmp_path, "scripts/main.py", "import sys  # stop\nprint('end')\n")
    cart = write(tmp_path, "shop/cart.py", "def total(items):\n    return sum(items)  # in cart\n")
    monkeypatch.chdir(tmp_path)  # the user runs from the project's folder, the script is in scripts/
    app = make_app(prog, {prog: [1]})
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_stopped(pilot, 1)
        screen = app.main

        # a module the program has not imported: the prompt says so, and what to type instead
        await _open(pilot, "shop.cart")
        assert isinstance(app.screen, OpenSourceScreen)
        error = str(app.screen.query_one("#open-error").render())
        assert "not imported yet" in error, error
        assert "shop/cart.py" in error, error

        # its path, relative to the current directory (not the script's folder)
        await _open(pilot, "shop/cart.py", press_m=False)
        await app_until(pilot, lambda: app.screen is screen and screen.source.path == str(cart.resolve()))


async def _open(pilot, text: str, *, press_m: bool = True) -> None:
    if press_m:
        await pilot.press("m")
    await app_until(pilot, lambda: pilot.app.screen.query_one("#open-input").has_focus)
    pilot.app.screen.query_one("#open-input").value = text
    await pilot.press("enter")
    await pilot.pause()


SHOP_MAIN = """\
from shop import cart

first = cart.total([1, 2])  # stop
print("first", first)
"""
CART = "\n" * 27 + "def total(items):\n    return sum(items)  # line 29\n"


async def test_at_100_columns_the_reload_log_shows_the_outcome_and_a_breakpoint_keeps_one_line(
    tmp_path: Path,
) -> None:
    prog = write(tmp_path, "main.py", SHOP_MAIN)
    write(tmp_path, "shop/__init__.py", "")
    cart = tmp_path / "shop/cart.py"
    cart.write_text(CART)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop], cart: [29]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, stop)
        await app_until(pilot, lambda: str(cart.resolve()) in [s.path for s in app.main.sources.sources])
        index = [s.path for s in app.main.sources.sources].index(str(cart.resolve()))
        app.main.sources.focus()
        app.main.sources.highlighted = index
        await pilot.press("enter")
        await app_until(pilot, lambda: app.main.source.path == str(cart.resolve()))
        cart.write_text(CART.replace("sum(items)", "sum(items) * 2"))
        await pilot.press("R")
        log = app.main.reload_log
        await app_until(pilot, lambda: len(log.records) == 1, what="a reload row")
        await app_until(pilot, lambda: log.table.row_count == 1)
        await pilot.pause()
        rows = _screen_rows(app)
        assert any("applied" in row for row in rows), "\n".join(rows)  # the outcome column is in view
        assert "1 reload" in "\n".join(rows)
        assert "1 reloads" not in "\n".join(rows)
        # the breakpoint in shop/cart.py: its marker and its line number on one row of the pane
        bp_rows = [row for row in rows if ":29" in row]
        assert bp_rows, "\n".join(rows)
        assert "●" in bp_rows[0], "\n".join(rows)
