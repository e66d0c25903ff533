"""Stepping through a file: the source view stays put while the execution line moves within it, and scrolls only
when the line would come within a few lines of its top or bottom edge (as in pudb); the line is always on screen
with that context around it, so the lines the user is reading do not jump at every step."""

from __future__ import annotations

from pathlib import Path

from helpers import line_of, write
from tuihelpers import make_app, press_and_stop, wait_stopped

STATEMENTS = 60
PROGRAM = "def main():\n" + "".join(f"    a{n:02d} = {n}\n" for n in range(STATEMENTS)) + "\n\nmain()\n"


def has_context(line: int, top: int, height: int, context: int, bottom: int) -> bool:
    """`line` is in a view scrolled to `top` with `context` lines above and below it, or as many as the start
    (top 0) or the end (top `bottom`) of the file leaves."""
    return (line > top + context or top == 0) and (line <= top + height - context or top >= bottom)


def rendered(source: object, line: int) -> str:
    """The text the user sees on the view's row of `line`."""
    row = line - 1 - source.scroll_offset.y  # type: ignore[attr-defined]
    return source.render_line(row).text  # type: ignore[attr-defined]


async def test_a_step_scrolls_only_when_the_line_nears_an_edge(tmp_path: Path) -> None:
    prog = write(tmp_path, "steps.py", PROGRAM)
    first = line_of(prog, "a00 = 0")
    app = make_app(prog, {prog: [first]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, first)
        source = app.main.source
        source.focus()
        context = source.CONTEXT
        height = source._view_height
        assert height > 2 * context + 2, height  # room for the context at this size
        scrolls = 0
        for n in range(1, 26):
            top = source.scroll_offset.y
            line = first + n
            await press_and_stop(pilot, "f10", line)
            after = source.scroll_offset.y
            bottom = source.max_scroll_y
            # the execution line is on screen, marked, with `context` lines above and below it
            assert after < line <= after + height, (line, after, height)
            assert has_context(line, after, height, context, bottom), (line, after, height)
            assert "▶" in rendered(source, line)
            if has_context(line, top, height, context, bottom):  # it was in the view with its context
                assert after == top, f"the view scrolled from {top} to {after} for line {line}"
            else:
                scrolls += 1
                assert after > top
        assert 0 < scrolls < 6, scrolls  # about once per half a view, not at every step
        app.session.terminate()
