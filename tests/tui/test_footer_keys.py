"""The footer follows the focused pane's keys, and is not rebuilt when they did not change.

Textual's footer removes and mounts every key whenever the bindings may have changed: at each stop, continue and
focus move. Styling those widgets was the largest single cost of showing a stop (about 150 ms of CPU before
line 1 showed at start-up); the footer now mounts its keys again only when what they show changed.
"""

from __future__ import annotations

from pathlib import Path

from helpers import line_of, write
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey
from tuihelpers import app_until, make_app, wait_stopped

PROGRAM = """\
total = 0
for i in range(3):
    total += i  # stop
print(total)
"""


def _footer(app) -> str:
    return app.screen._compositor.render_strips()[-1].text


async def test_the_footer_shows_a_panes_own_key_only_while_it_has_focus(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, stop)
        log = app.main.reload_log.query_one(DataTable)
        for focused, shown in ((log, True), (app.main.source, False), (log, True)):
            focused.focus()
            await app_until(
                pilot,
                lambda shown=shown: ("Scope filter" in _footer(app)) is shown,
                what=f"the footer with {focused.id} focused",
            )
            assert "F10 Over" in _footer(app)


async def test_moving_between_panes_with_the_same_keys_leaves_the_footer_as_it_was(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, stop)
        app.main.source.focus()
        await pilot.pause()
        before = list(app.screen.query(FooterKey))
        assert before
        app.main.variables.focus()  # no keys of its own: the footer shows the same keys
        await pilot.pause()
        await pilot.pause()
        assert app.focused is not None
        assert app.main.variables in (app.focused, *app.focused.ancestors)
        assert list(app.screen.query(FooterKey)) == before
        assert "F10 Over" in _footer(app)
