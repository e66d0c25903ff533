"""The source view as a user works in it: room for the code, resizable sidebars, an execution line and a cursor
line that look different and stay readable, search, go to line, jump to a line, and $EDITOR."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from dapper_tui.tui.theme_styles import contrast
from textual.color import Color
from textual.widgets import Footer
from tuihelpers import line_of, make_app, press_and_stop, wait_stopped, wait_until, write

PROGRAM = """
def work(n):
    log = []
    log.append("start")  # start
    log.append("skipped")  # skipped
    for i in range(n):
        log.append(i)  # loop
    log.append("end")  # end
    return log


def helper():
    return "helper"  # elsewhere


total = work(2)
print("log", total)
print("a very long line that does not fit the source pane at all, so the pane has a horizontal scrollbar", total)
for k in range(40):
    total.append(k)  # many lines below
print("done")
"""


def _program(tmp_path: Path) -> Path:
    return write(tmp_path, "prog.py", PROGRAM)


def _footer_keys(app) -> list[str]:
    """The footer's keys that are drawn inside the screen (the others are cut off)."""
    footer = app.screen.query_one(Footer)
    width = app.screen.size.width
    return [
        key.description
        for key in footer.query("FooterKey")
        if key.region.width and key.region.right <= width - 1
    ]


@pytest.mark.parametrize("size", [(100, 30), (160, 45)])
async def test_the_source_gets_half_the_width_and_the_footer_the_main_keys(tmp_path: Path, size) -> None:
    prog = _program(tmp_path)
    app = make_app(prog, {prog: [line_of(prog, "# start")]})
    async with app.run_test(size=size) as pilot:
        await wait_stopped(pilot)
        center = app.main.query_one("#center")
        assert center.outer_size.width >= size[0] // 2
        main_keys = {"Continue", "Over", "Into", "Out", "Break", "Eval", "Help", "Quit"}
        await wait_until(pilot, lambda: main_keys <= set(_footer_keys(app)), what="the footer's keys")


async def test_sidebars_resize_with_keys_and_by_dragging_a_splitter(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    app = make_app(prog, {prog: [line_of(prog, "# start")]})
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_stopped(pilot)
        left, center, right = (app.main.query_one(s) for s in ("#left", "#center", "#right"))
        start = center.outer_size.width
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert center.outer_size.width == start + 8  # both sidebars gave 4 columns
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert center.outer_size.width == start - 8
        # the mouse: drag the left splitter 10 columns to the right, the right one 6 (its sidebar narrows)
        for splitter, sidebar, move, change in (
            ("#split-left", left, 10, 10),
            ("#split-right", right, 6, -6),
        ):
            width = sidebar.outer_size.width
            x, y = app.main.query_one(splitter).region.offset
            await pilot.mouse_down(splitter)
            await pilot.hover(None, offset=(x + move, y))
            await pilot.mouse_up(None, offset=(x + move, y))
            await pilot.pause()
            assert sidebar.outer_size.width == width + change


def _line_colours(source, line: int) -> list[tuple[str, Color, Color]]:
    """(text, foreground, background) of each segment the source view renders for `line`."""
    strip = source.render_line(line - 1 - source.scroll_offset.y)
    out = []
    for seg in strip:
        style = seg.style
        assert style is not None and style.color is not None and style.bgcolor is not None, seg
        out.append((seg.text, Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor)))
    return out


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "nord", "solarized-light"])
async def test_execution_and_cursor_lines_differ_and_every_colour_on_them_reads(
    tmp_path: Path, theme
) -> None:
    prog = _program(tmp_path)
    stop = line_of(prog, "# skipped")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(120, 34)) as pilot:
        app.theme = theme
        await wait_stopped(pilot, stop)
        source = app.main.source
        source.focus()
        await wait_until(pilot, lambda: source._highlighted is not None, what="syntax colours")
        await pilot.press("down")
        await pilot.pause()
        execution = _line_colours(source, stop)
        cursor = _line_colours(source, stop + 1)
        exec_bg = {bg for text, _, bg in execution}
        cursor_bg = {bg for text, _, bg in cursor}
        assert len(exec_bg) == 1 and len(cursor_bg) == 1 and exec_bg != cursor_bg
        plain = _line_colours(source, stop + 3)
        assert {bg for _, _, bg in plain}.isdisjoint(exec_bg | cursor_bg)
        colours = 0
        for text, fg, bg in execution + cursor:
            if text.strip():
                colours += 1
                assert contrast(fg, bg) >= 4.5, (theme, text, fg.hex, bg.hex, round(contrast(fg, bg), 2))
        assert colours >= 6  # the gutter, the arrow and several syntax colours were checked


async def test_the_cursor_line_is_never_under_the_horizontal_scrollbar(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    stop = line_of(prog, "# start")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, stop)
        source = app.main.source
        source.focus()
        visible = source.scrollable_content_region.height
        assert visible < source.size.height  # there is a horizontal scrollbar
        for _ in range(30):
            await pilot.press("down")
            await pilot.pause()
            row = source.cursor_line - 1 - source.scroll_offset.y
            assert 0 <= row < visible, (source.cursor_line, source.scroll_offset.y, visible)
        await pilot.press("pagedown")
        await pilot.pause()
        assert 0 <= source.cursor_line - 1 - source.scroll_offset.y < visible


async def test_search_next_previous_and_go_to_line(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    stop = line_of(prog, "# start")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_stopped(pilot, stop)
        source = app.main.source
        source.focus()
        await pilot.press("slash")
        await pilot.press(*"total", "enter")
        await pilot.pause()
        hits = [n for n, text in enumerate(prog.read_text().splitlines(), 1) if "total" in text]
        assert source.cursor_line == hits[0]
        assert "match 1 of" in str(source.border_subtitle)
        await pilot.press("n")
        assert source.cursor_line == hits[1]
        await pilot.press("n", "n", "n")
        assert source.cursor_line == hits[0]  # wrapped around
        await pilot.press("N")
        assert source.cursor_line == hits[-1]
        await pilot.press("g")
        await pilot.press("1", "2", "enter")
        await pilot.pause()
        assert source.cursor_line == 12
        await pilot.press("colon")
        await pilot.press("3", "enter")
        await pilot.pause()
        assert source.cursor_line == 3
        # Escape ends the search: n is step over again
        await pilot.press("escape")
        assert source.search is None
        await press_and_stop(pilot, "n", stop + 1)


async def _stop_after_a_step(pilot, prog: Path) -> None:
    """Stopped at the start line by a step (a trace function: CPython allows a jump there on 3.11 too)."""
    await wait_stopped(pilot, line_of(prog, "log = []"))
    await press_and_stop(pilot, "n", line_of(prog, "# start"))


async def test_jump_to_the_cursor_line_skips_the_lines_between(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    app = make_app(prog, {prog: [line_of(prog, "log = []")]})
    async with app.run_test(size=(120, 34)) as pilot:
        await _stop_after_a_step(pilot, prog)
        source = app.main.source
        source.focus()
        end = line_of(prog, "# end")
        source.go_to_line(end)
        gen = app.main.stop_gen
        await pilot.press("j")
        await wait_until(pilot, lambda: app.main.stop_gen > gen and source.current_line == end, what="jump")
        assert "Jumped to line" in app.main.state_text
        await pilot.press("c")
        await wait_until(pilot, lambda: "log [" in app.main.output.text, what="the program's log")
        assert "log ['end']" in app.main.output.text, app.main.output.text  # the lines between never ran


async def test_a_jump_cpython_refuses_says_why_and_nothing_moves(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    app = make_app(prog, {prog: [line_of(prog, "log = []")]})
    async with app.run_test(size=(120, 34)) as pilot:
        await _stop_after_a_step(pilot, prog)
        source = app.main.source
        source.focus()
        start = line_of(prog, "# start")
        for marker, words in (("# loop", "loop"), ("# elsewhere", "is not in work()")):
            source.go_to_line(line_of(prog, marker))
            await pilot.press("j")
            await wait_until(
                pilot,
                lambda w=words: any(w in n.message for n in app._notifications),
                what=f"a refusal saying {words!r}",
            )
            assert source.current_line == start
            assert app.session.stack()[0].line == start


async def test_E_opens_the_file_at_the_cursor_line_in_the_editor(tmp_path: Path, monkeypatch) -> None:
    prog = _program(tmp_path)
    record = tmp_path / "argv.txt"
    editor = write(
        tmp_path,
        "editor.py",
        f"""
        import sys
        open({str(record)!r}, "w").write("\\n".join(sys.argv[1:]))
        """,
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    stop = line_of(prog, "# start")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_stopped(pilot, stop)
        app.main.source.focus()
        await pilot.press("down", "down")
        await pilot.press("E")
        await wait_until(pilot, record.exists, what="the editor to run")
        assert record.read_text().splitlines() == [f"+{stop + 2}", os.path.realpath(prog)] or (
            record.read_text().splitlines() == [f"+{stop + 2}", str(prog)]
        )
        assert app.session.state == "stopped"  # the app is back, the program still stopped
