"""The Output pane reads its text as a terminal does: `\\r`, `\\b`, erase in line, colours kept across writes,
escape sequences cut in two by a write, wrapping at the pane's width and again after a resize."""

from __future__ import annotations

from dapper_tui.tui.panes.output import MAX_LINES, OutputPane
from textual.app import App, ComposeResult


class OneOutputPane(App[None]):
    def compose(self) -> ComposeResult:
        yield OutputPane(id="output")


def rows(pane: OutputPane) -> list[str]:
    return [strip.text.rstrip() for strip in pane.lines]


def color_of(pane: OutputPane, row: int, word: str) -> int | None:
    for segment in pane.lines[row]:
        if word in segment.text:
            color = segment.style.color if segment.style else None
            return color.number if color else None
    raise AssertionError(f"{word!r} not on row {row}: {pane.lines[row].text!r}")


async def test_carriage_return_writes_over_the_line_as_a_terminal_does() -> None:
    app = OneOutputPane()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one(OutputPane)
        pane.append("abcdef\rXY\n")  # over the start, the rest stays
        pane.append("abcdef\rXY\x1b[K\n")  # erased to the end of the line
        pane.append("line\r\n")  # a terminal's newline
        pane.append("12345\b\b!\n")
        pane.append("abc\x1b[6Gz\n")  # cursor to column 6
        pane.append("downloading  10%")
        await pilot.pause()
        assert rows(pane)[-1] == "downloading  10%"  # the unfinished line is shown as it is written
        pane.append("\rdownloading  60%")
        pane.append("\rdownloading 100%\n")
        pane.append("prompt? ")
        pane.flush_partial()
        pane.append("next\n")
        await pilot.pause()
        assert rows(pane) == [
            "XYcdef",
            "XY",
            "line",
            "123!5",
            "abc  z",
            "downloading 100%",
            "prompt?",
            "next",
        ]
        assert pane.text == "XYcdef\nXY\nline\n123!5\nabc  z\ndownloading 100%\nprompt? \nnext\n"


async def test_colours_carry_across_writes_and_stderr_is_red_under_them() -> None:
    app = OneOutputPane()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one(OutputPane)
        pane.append("\x1b[3")  # an escape sequence cut in two by the end of a write
        pane.append("4mblue\nstill blue\x1b[0m plain\n")
        pane.append("\x1b[32mok\x1b[0m failed\n", "stderr")
        pane.append("\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ \x1b[2Jdone\n")
        await pilot.pause()
        assert rows(pane) == ["blue", "still blue plain", "ok failed", "link done"]
        assert color_of(pane, 0, "blue") == 4
        assert color_of(pane, 1, "still blue") == 4
        assert color_of(pane, 1, "plain") is None
        assert color_of(pane, 2, "ok") == 2  # the program's colour wins over the stream's
        assert color_of(pane, 2, "failed") == 1
        assert "\x1b" not in pane.text


async def test_long_lines_wrap_at_the_width_and_again_after_a_resize() -> None:
    app = OneOutputPane()
    async with app.run_test(size=(40, 20)) as pilot:
        pane = app.query_one(OutputPane)
        width = pane.scrollable_content_region.width
        line = "".join(str(i % 10) for i in range(100))
        pane.append(f"short\n{line}\n\tindented\n")
        await pilot.pause()
        assert rows(pane)[0] == "short"
        assert rows(pane)[1:4] == [line[:width], line[width : 2 * width], line[2 * width : 3 * width]]
        assert "".join(rows(pane)[1:-1]) == line
        assert rows(pane)[-1] == "        indented"
        await pilot.resize_terminal(80, 20)
        await pilot.pause()
        wider = pane.scrollable_content_region.width
        assert wider > width
        assert rows(pane)[1:3] == [line[:wider], line[wider:]]
        assert pane.text == f"short\n{line}\n        indented\n"


async def test_only_the_last_lines_are_kept_and_the_view_follows_the_end() -> None:
    app = OneOutputPane()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one(OutputPane)
        pane.append("".join(f"line {i}\n" for i in range(3 * MAX_LINES)))
        await pilot.pause()
        assert len(pane.lines) == MAX_LINES
        assert pane.lines[0].text.rstrip() == f"line {2 * MAX_LINES}"
        assert pane.lines[-1].text.rstrip() == f"line {3 * MAX_LINES - 1}"
        pane.append("one more\n")
        await pilot.pause()
        assert len(pane.lines) == MAX_LINES
        assert pane.lines[-1].text.rstrip() == "one more"
        assert pane.is_vertical_scroll_end  # it follows the end


async def test_a_line_written_bit_by_bit_wraps_as_the_whole_line_would() -> None:
    app = OneOutputPane()
    async with app.run_test(size=(30, 20)) as pilot:
        pane = app.query_one(OutputPane)
        width = pane.scrollable_content_region.width
        expected = ""
        for i in range(60):  # progress dots, a row at a time and across rows
            pane.append("." * 3 + str(i % 10))
            expected += "." * 3 + str(i % 10)
        await pilot.pause()
        assert rows(pane) == [expected[i : i + width] for i in range(0, len(expected), width)]
        pane.append("\rSTART\x1b[5Gx")  # back over the first row only
        expected = "STARx" + expected[5:]
        await pilot.pause()
        assert rows(pane) == [expected[i : i + width] for i in range(0, len(expected), width)]
        pane.append(f"\x1b[{width + 3}G\x1b[K!")  # erase from the second row on, then write
        expected = expected[: width + 2] + "!"
        await pilot.pause()
        assert rows(pane) == [expected[:width], expected[width:]]
        pane.append("\t|\n")  # a tab stop, then the line ends
        await pilot.pause()
        assert pane.text.endswith(expected + " " * (8 - (len(expected) % 8)) + "|\n")
        assert rows(pane)[0] == expected[:width]


async def test_output_can_be_selected_with_the_mouse() -> None:
    app = OneOutputPane()
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.query_one(OutputPane)
        pane.append("first line\n\x1b[31msecond\x1b[0m line\nthird\n")
        await pilot.pause()
        inside = pane.content_region.offset - pane.region.offset
        await pilot.mouse_down(pane, offset=(inside.x + 3, inside.y + 1))
        await pilot.hover(pane, offset=(inside.x + 5, inside.y + 2))
        await pilot.mouse_up(pane, offset=(inside.x + 5, inside.y + 2))
        await pilot.pause()
        assert app.screen.get_selected_text() == "ond line\nthird"
        selected = app.screen.get_component_rich_style("screen--selection").bgcolor
        drawn = [
            "".join(s.text for s in pane.render_line(y) if s.style and s.style.bgcolor == selected)
            for y in range(3)
        ]
        assert drawn == ["", "ond line", "third"]
        pane.text_select_all()
        await pilot.pause()
        assert app.screen.get_selected_text() == "first line\nsecond line\nthird"
