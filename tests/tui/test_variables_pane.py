"""The variables pane: containers show their length next to their name, `v` shows a long value in full (wrapped,
scrollable), and after `=` the cursor stays on the variable just set."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.tui.screens.prompt import PromptScreen
from dapper_tui.tui.screens.value import ValueScreen
from helpers import line_of, write
from tuihelpers import app_until, label, make_app, wait_stopped

PROGRAM = """\
def main():
    alpha = 1
    prices = {"tea": 3.5, "cake": 4.25, "scone": 2.0}
    items = ["tea"] * 1200
    note = "start " + "x" * 3000 + " the end"
    zeta = 2
    print(alpha, zeta, len(prices), len(items), len(note))  # stop


main()
"""


async def test_containers_show_their_length_next_to_their_name(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, stop)
        variables = app.main.variables
        await app_until(pilot, lambda: variables.find("zeta") is not None)
        assert label(variables.find("prices")).startswith("prices [3] = {")
        assert label(variables.find("items")).startswith("items [1,200] = [")
        assert label(variables.find("alpha")).startswith("alpha = 1")


async def test_v_shows_a_long_value_in_full_wrapped_and_scrollable(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, stop)
        variables = app.main.variables
        await app_until(pilot, lambda: variables.find("note") is not None)
        assert "x" * 500 not in label(variables.find("note"))  # the pane's label is cut short
        variables.focus()
        variables.move_cursor(variables.find("note"))
        await pilot.press("v")
        await app_until(pilot, lambda: isinstance(app.screen, ValueScreen), what="the value view")
        log = app.screen.query_one("#value-log")
        await app_until(pilot, lambda: log.lines, what="the value")
        text = "".join(strip.text for strip in log.lines)
        assert "start " + "x" * 3000 + " the end" in text
        assert all(strip.cell_length <= log.scrollable_content_region.width for strip in log.lines)
        assert log.virtual_size.height > log.scrollable_content_region.height  # it scrolls
        await pilot.press("escape")
        await app_until(pilot, lambda: app.screen is app.main, what="the main screen back")


async def test_after_setting_a_value_the_cursor_stays_on_that_variable(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, stop)
        variables = app.main.variables
        await app_until(pilot, lambda: variables.find("zeta") is not None)
        variables.focus()
        variables.move_cursor(variables.find("zeta"))
        await pilot.pause()
        await pilot.press("equals_sign")
        await app_until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the new value prompt")
        app.screen.query_one("#prompt-input").value = "40 + 2"
        await pilot.press("enter")
        await app_until(pilot, lambda: "zeta = 42" in label(variables.find("zeta")), what="the new value")
        await pilot.pause(0.2)
        node = variables.cursor_node
        assert node is not None, label(node)
        assert node.data is not None, label(node)
        assert node.data.name == "zeta", label(node)
        # and the program sees it
        await pilot.press("c")
        await app_until(pilot, lambda: "1 42 3 1200 3014" in app.main.output.text, what="the program's print")


async def test_names_and_the_status_read_in_a_light_theme(tmp_path: Path) -> None:
    from dapper_tui.tui.theme_styles import contrast
    from textual.color import Color

    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "textual-light"
        await wait_stopped(pilot, stop)
        variables = app.main.variables
        await app_until(pilot, lambda: variables.find("alpha") is not None)
        await pilot.pause(0.1)
        checked = []
        for y in range(variables.size.height):
            for seg in variables.render_line(y):
                if seg.text.strip() in ("alpha", "prices") and seg.style and seg.style.color:
                    fg = Color.from_rich_color(seg.style.color)
                    bg = (
                        Color.from_rich_color(seg.style.bgcolor)
                        if seg.style.bgcolor
                        else Color.parse("white")
                    )
                    checked.append((seg.text, round(contrast(fg, bg), 2)))
        assert len(checked) == 2, checked
        assert all(ratio >= 4.5 for _, ratio in checked), checked
        status = app.main.query_one("#status")
        strip = status.render_line(0)
        word = next(seg for seg in strip if "stopped" in seg.text)
        ratio = contrast(Color.from_rich_color(word.style.color), Color.from_rich_color(word.style.bgcolor))
        assert ratio >= 4.5, ratio
