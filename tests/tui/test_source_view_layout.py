"""The source view's room and looks: half the width and more for the code, resizable sidebars, the main keys in
the footer at 100x30, an execution line and a cursor line that look different and stay readable in any theme, and
a cursor line never under the horizontal scrollbar. (Its keys: test_source_view_keys.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from dapper_tui.tui.theme_styles import contrast
from helpers import line_of, program
from textual.color import Color
from textual.widgets import Footer
from tuihelpers import app_until, make_app, wait_stopped


def _program(tmp_path: Path) -> Path:
    return program(tmp_path, "worklog.py")


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
        await app_until(pilot, lambda: main_keys <= set(_footer_keys(app)), what="the footer's keys")


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
        assert style is not None, seg
        assert style.color is not None, seg
        assert style.bgcolor is not None, seg
        out.append((seg.text, Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor)))
    return out


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "solarized-light"])
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
        await app_until(pilot, lambda: source._highlighted is not None, what="syntax colours")
        await pilot.press("down")
        await pilot.pause()
        execution = _line_colours(source, stop)
        cursor = _line_colours(source, stop + 1)
        exec_bg = {bg for text, _, bg in execution}
        cursor_bg = {bg for text, _, bg in cursor}
        assert len(exec_bg) == 1
        assert len(cursor_bg) == 1
        assert exec_bg != cursor_bg
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
