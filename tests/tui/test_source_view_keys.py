"""The source view's keys: search, go to line, jump to a line (set next statement) and $EDITOR. (Its room and
looks: test_source_view_layout.py.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from helpers import line_of, program, write
from tuihelpers import app_until, make_app, press_and_stop, wait_stopped


def _program(tmp_path: Path) -> Path:
    return program(tmp_path, "worklog.py")


async def test_search_next_previous_and_go_to_line(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    stop = line_of(prog, "# start")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_stopped(pilot, stop)
        source = app.main.source
        app.main.variables.focus()  # `/` works from any pane: the source view takes the focus
        await pilot.press("slash")
        await pilot.press(*"total", "enter")
        await pilot.pause()
        assert source.has_focus
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
        await app_until(pilot, lambda: app.main.stop_gen > gen and source.current_line == end, what="jump")
        assert "Jumped to line" in app.main.state_text
        await pilot.press("c")
        await app_until(pilot, lambda: "log [" in app.main.output.text, what="the program's log")
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
            await app_until(
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
        f"""\
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
        await app_until(pilot, record.exists, what="the editor to run")
        assert record.read_text().splitlines() == [f"+{stop + 2}", os.path.realpath(prog)] or (
            record.read_text().splitlines() == [f"+{stop + 2}", str(prog)]
        )
        assert app.session.state == "stopped"  # the app is back, the program still stopped
