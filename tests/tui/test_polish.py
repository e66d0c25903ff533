"""User-QA polish of the debugger screen: Enter runs to the cursor line, the status of a run to line, search
`n` / `N` through matches on one line, the footer and help at 80 columns, opening a module by path, the reload
log and breakpoints pane at 100 columns."""

from __future__ import annotations

from pathlib import Path

from tuihelpers import line_of, make_app, press_and_stop, wait_stopped, write

PROGRAM = """
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
