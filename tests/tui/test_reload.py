"""Hot reload from the app: the reload key, reload on save (and pending while running), the reload log."""

from __future__ import annotations

import time
from pathlib import Path

from helpers import line_of, write
from tuihelpers import app_until, make_app, press_and_stop, wait_stopped

MAIN = """\
import calc

first = calc.price(10)
print("first", first)  # stop
second = calc.price(10)
print("second", second)
"""
CALC = """\
def price(n):
    return n * 2
"""


def program(tmp_path: Path) -> tuple[Path, Path]:
    main = write(tmp_path, "main.py", MAIN)
    calc = write(tmp_path, "calc.py", CALC)
    return main, calc


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    time.sleep(0.01)
    path.write_text(text.replace(old, new))


async def open_source(pilot, path: Path) -> None:
    app = pilot.app
    index = [s.path for s in app.main.sources.sources].index(str(path.resolve()))
    app.main.sources.focus()
    app.main.sources.highlighted = index
    await pilot.press("enter")
    await app_until(pilot, lambda: app.main.source.path == str(path.resolve()))


async def test_reload_key_applies_the_edit_and_logs_a_row(tmp_path: Path) -> None:
    main, calc = program(tmp_path)
    stop = line_of(main, "# stop")
    app = make_app(main, {main: [stop]})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, stop)
        await open_source(pilot, calc)
        edit(calc, "n * 2", "n * 3")
        await pilot.press("R")
        log = app.main.reload_log
        await app_until(pilot, lambda: len(log.records) == 1, what="a reload row")
        record = log.records[0]
        assert record.outcome == "applied", (record.message, record.hint)
        assert record.module == "calc"
        assert "price" in record.changed
        row = [str(cell) for cell in log.table.get_row_at(0)]
        assert row[:3] == ["applied", "calc", "12:00:00"]
        assert "~price" in row[4]
        assert "APPLIED  calc" in log.detail_text
        assert "changed: price" in log.detail_text
        # the source view shows the saved text; continuing runs the new code
        assert any("n * 3" in line for line in app.main.source.lines)
        await pilot.press("c")
        await app_until(pilot, lambda: "second 30" in app.main.output.text, what="the new behaviour")
        assert "first 20" in app.main.output.text


async def test_failed_reload_is_red_with_a_hint_and_the_old_code_keeps_running(tmp_path: Path) -> None:
    main, calc = program(tmp_path)
    stop = line_of(main, "# stop")
    app = make_app(main, {main: [stop]})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, stop)
        await open_source(pilot, calc)
        edit(calc, "return n * 2", "return n *")
        await pilot.press("ctrl+r")  # what Ctrl+Alt+R arrives as in most terminals
        log = app.main.reload_log
        await app_until(pilot, lambda: len(log.records) == 1, what="a reload row")
        record = log.records[0]
        assert record.outcome == "failed"
        assert "SyntaxError" in record.message or "syntax" in record.message.lower()
        assert record.hint
        cells = log.table.get_row_at(0)
        assert str(cells[0]) == "failed"
        assert cells[1].style == "red"
        assert cells[0].style == "bold red"
        assert "FAILED" in log.detail_text
        assert "hint: " in log.detail_text
        await pilot.press("c")
        await app_until(pilot, lambda: "second 20" in app.main.output.text, what="the old behaviour")


async def test_save_reloads_when_stopped_and_is_pending_while_running(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.py",
        """\
        import os
        import time

        import calc

        print("before", calc.price(10))
        while not os.path.exists(os.path.join(os.path.dirname(__file__), "go")):
            time.sleep(0.01)
        print("after", calc.price(10))  # stop
        print("last", calc.price(10))
        """,
    )
    calc = write(tmp_path, "calc.py", CALC)
    stop = line_of(main, "# stop")
    app = make_app(main, {main: [stop]}, auto_reload=True)
    async with app.run_test(size=(160, 45)) as pilot:
        log = app.main.reload_log
        await app_until(pilot, lambda: "before 20" in app.main.output.text)
        await app_until(pilot, lambda: app.coordinator.watching, what="the file watcher")
        # saved while running: pending
        edit(calc, "n * 2", "n * 3")
        await app_until(pilot, lambda: any(r.outcome == "pending" for r in log.records), what="pending")
        assert app.session.state == "running"
        assert str(log.table.get_row_at(0)[0]) == "pending"
        # the next stop applies it
        (tmp_path / "go").write_text("")
        await wait_stopped(pilot, stop)
        await app_until(
            pilot, lambda: any(r.outcome == "applied" for r in log.records), what=f"applied {log.records}"
        )
        await press_and_stop(pilot, "n")
        assert "after 30" in app.main.output.text
        # saved while stopped: reloaded at once
        edit(calc, "n * 3", "n * 4")
        await app_until(pilot, lambda: sum(r.outcome == "applied" for r in log.records) == 2, what="2nd")
        await pilot.press("c")
        await app_until(pilot, lambda: "last 40" in app.main.output.text)


async def test_reload_key_while_running_is_pending_until_the_next_stop(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        "main.py",
        """\
        import os
        import time

        while not os.path.exists(os.path.join(os.path.dirname(__file__), "go")):
            time.sleep(0.01)
        x = 1  # stop
        """,
    )
    stop = line_of(main, "# stop")
    app = make_app(main, {main: [stop]})
    async with app.run_test(size=(160, 45)) as pilot:
        await app_until(pilot, lambda: app.session.state == "running")
        await pilot.press("R")
        log = app.main.reload_log
        await app_until(pilot, lambda: len(log.records) == 1)
        assert log.records[0].outcome == "pending"
        (tmp_path / "go").write_text("")
        await wait_stopped(pilot, stop)
        await app_until(pilot, lambda: len(log.records) == 2)
        assert log.records[1].outcome == "applied", log.records


async def test_the_stopped_frame_continues_in_the_edited_code(tmp_path: Path) -> None:
    main, calc = program(tmp_path)
    inside = line_of(calc, "return n * 2")
    app = make_app(main, {calc: [inside]})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, inside)
        edit(calc, "return n * 2", "return n * 5")
        await pilot.press("R")
        await app_until(pilot, lambda: len(app.main.reload_log.records) == 1)
        record = app.main.reload_log.records[0]
        assert record.outcome == "applied"
        assert record.counters["updatedFrameCodes"] == 1
        assert not app.main.stack.frames()[0].old_code
        await press_and_stop(pilot, "c", inside)  # the breakpoint still hits in the new code
        await pilot.press("c")
        await app_until(pilot, lambda: "second 50" in app.main.output.text)
        assert "first 50" in app.main.output.text  # the call stopped during the edit answered with it


LOOP = """\
def price(n):
    total = 0
    for i in range(n):
        total += 2  # loop
    return total
"""


async def test_frames_running_replaced_code_are_marked_old_and_show_their_source(tmp_path: Path) -> None:
    main = write(tmp_path, "main.py", MAIN)
    calc = write(tmp_path, "calc.py", LOOP)
    inside = line_of(calc, "# loop")
    app = make_app(main, {calc: [inside]})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, inside)
        edit(calc, "range(n)", "range(n + 1)")  # the running loop's header: this frame cannot move
        await pilot.press("R")
        await app_until(pilot, lambda: len(app.main.reload_log.records) == 1)
        assert app.main.reload_log.records[0].outcome == "applied"
        await app_until(pilot, lambda: app.main.stack.frames()[0].old_code, what="the old-code mark")
        top = app.main.stack.frames()[0]
        assert "[old code]" in str(app.main.stack._frame_nodes[top.id].label)
        await pilot.press("o")
        await app_until(pilot, lambda: app.main.source.old_code)
        assert any("range(n):" in line for line in app.main.source.lines)
        assert "(old code" in app.main.source.border_title
        app.session.set_breakpoints(str(calc), [])
        await pilot.press("c")
        await app_until(pilot, lambda: "second 22" in app.main.output.text)
        assert "first 20" in app.main.output.text


async def test_selecting_an_earlier_row_shows_its_details(tmp_path: Path) -> None:
    main, calc = program(tmp_path)
    stop = line_of(main, "# stop")
    app = make_app(main, {main: [stop]})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, stop)
        await open_source(pilot, calc)
        edit(calc, "return n * 2", "return n *")  # a failure first
        await pilot.press("R")
        log = app.main.reload_log
        await app_until(pilot, lambda: len(log.records) == 1, what="the failed row")
        edit(calc, "return n *", "return n * 3")  # then the fix
        await pilot.press("R")
        await app_until(pilot, lambda: len(log.records) == 2, what="the applied row")
        assert "APPLIED  calc" in log.detail_text  # the newest row is selected
        log.table.focus()
        await pilot.press("up")
        await app_until(pilot, lambda: "FAILED" in log.detail_text, what="the first row's details")
        assert "hint: " in log.detail_text
        assert "APPLIED" not in log.detail_text
        await pilot.press("down")
        await app_until(pilot, lambda: "APPLIED  calc" in log.detail_text, what="the second row's details")


async def test_saving_a_module_outside_the_scripts_folder_reloads_it(tmp_path: Path) -> None:
    """The watcher follows the program's imports: a package in a sibling folder is watched too."""
    lib = tmp_path / "lib"
    lib.mkdir()
    calc = write(lib, "calc.py", CALC)
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    main = write(
        app_dir,
        "main.py",
        """\
        import os
        import sys

        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
        import calc

        first = calc.price(10)
        print("first", first)  # stop
        second = calc.price(10)
        print("second", second)
        """,
    )
    stop = line_of(main, "# stop")
    app = make_app(main, {main: [stop]}, auto_reload=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_stopped(pilot, stop)
        await app_until(pilot, lambda: app.coordinator.watching, what="the file watcher")
        log = app.main.reload_log
        await app_until(
            pilot,
            lambda: any(
                lib.resolve() == r or lib.resolve().is_relative_to(r) for r in app.coordinator._roots()
            ),
            what="the library folder watched",
        )
        edit(calc, "n * 2", "n * 7")
        await app_until(
            pilot, lambda: any(r.outcome == "applied" for r in log.records), what="applied on save"
        )
        assert log.records[-1].module == "calc"
        await pilot.press("c")
        await app_until(pilot, lambda: "second 70" in app.main.output.text, what="the new behaviour")
