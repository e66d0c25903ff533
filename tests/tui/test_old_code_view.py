"""The source view of a frame that still runs old code after a reload: its line is one of the old text.

The new file never gets the execution arrow of such a frame (its line numbers are not the frame's); a stop in
old code shows the old text with the arrow on the line the frame is at.
"""

from __future__ import annotations

import time
from pathlib import Path

from helpers import line_of, write
from tuihelpers import app_until, make_app, press_and_stop, wait_stopped

MAIN = """\
import calc

print("first", calc.total(3))
print("second", calc.total(2))
"""
CALC = """\
def total(n):
    acc = 0
    for i in range(n):
        acc += i  # loop
    return acc
"""


async def test_a_frame_on_old_code_shows_its_line_in_the_old_text_only(tmp_path: Path) -> None:
    main = write(tmp_path, "main.py", MAIN)
    calc = write(tmp_path, "calc.py", CALC)
    loop = line_of(calc, "# loop")
    app = make_app(main, {calc: [loop]})
    async with app.run_test(size=(160, 45)) as pilot:
        source = app.main.source
        await wait_stopped(pilot, loop)
        # two lines above, and a loop header the stopped frame cannot move across: it keeps its old code
        time.sleep(0.01)
        calc.write_text("# one\n# two\n" + calc.read_text().replace("range(n)", "range(n + 1)"))
        await pilot.press("R")
        await app_until(pilot, lambda: len(app.main.reload_log.records) == 1, what="the reload")
        assert app.main.reload_log.records[0].outcome == "applied"
        await app_until(pilot, lambda: app.main.stack.frames()[0].old_code, what="the old-code mark")
        await app_until(pilot, lambda: any("range(n + 1)" in line for line in source.lines), what="new text")
        # the new file: no line of it is where the frame is
        assert not source.old_code
        assert source.current_line is None, f"arrow on new line {source.current_line}: {source.lines}"
        assert "old code" in str(source.border_subtitle)

        await press_and_stop(pilot, "c", loop)  # the next iteration, still in the old code
        top = app.main.stack.frames()[0]
        assert (top.line, top.old_code) == (loop, True)
        assert source.old_code
        assert "(old code" in source.border_title
        assert "acc += i" in source.lines[loop - 1]
        assert "range(n)" in source.lines[loop - 2]
        assert "old code" in app.main.state_text

        await press_and_stop(pilot, "c", loop)
        await press_and_stop(pilot, "c", loop + 2)  # the second call runs the new code, in the new file
        assert not source.old_code
        assert not app.main.stack.frames()[0].old_code
        assert "acc += i" in source.lines[loop + 1]
        assert "range(n + 1)" in source.lines[loop]
        assert "old code" not in app.main.state_text
        app.session.set_breakpoints(str(calc.resolve()), [])
        await pilot.press("c")
        await app_until(pilot, lambda: "second 3" in app.main.output.text, what="the program's end")
        assert "first 3" in app.main.output.text
