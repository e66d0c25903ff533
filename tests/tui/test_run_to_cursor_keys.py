"""Run to cursor in the source view: Ctrl+F10 (VS Code) and `t` (pudb), never a bare Enter, which is the key
that opened the file from Loaded sources (a second press, or a repeat, must not run the program on)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from helpers import line_of, write
from tuihelpers import app_until, make_app, press_and_stop, wait_stopped

PROGRAM = """\
import helper

a = 1  # stop
b = helper.twice(a)
c = b + 1  # target
print("end", c)
"""

HELPER = """\
def twice(x):
    return x * 2
"""


@pytest.mark.parametrize("key", ["ctrl+f10", "t"])
async def test_enter_after_opening_a_loaded_source_does_not_run_but_the_run_to_cursor_keys_do(
    tmp_path: Path, key: str
) -> None:
    prog = write(tmp_path, "main.py", PROGRAM)
    write(tmp_path, "helper.py", HELPER)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, stop)
        sources = app.main.sources
        await app_until(pilot, lambda: "__main__" in [s.module for s in sources.sources])
        sources.focus()
        sources.highlighted = [s.module for s in sources.sources].index("__main__")
        gen = app.main.stop_gen
        await pilot.press("enter")  # opens main.py in the source view, which takes the focus
        await app_until(pilot, lambda: app.main.source.has_focus)
        app.main.source.cursor_line = line_of(prog, "# target")
        await pilot.press("enter")  # a second Enter: nothing runs
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert app.session.state == "stopped"
        assert app.main.stop_gen == gen
        assert app.session.breakpoints.by_path[str(prog.resolve())].keys() == {stop}  # no hidden breakpoint
        await press_and_stop(pilot, key, line_of(prog, "# target"))
        assert app.session.stack()[0].line == line_of(prog, "# target")
