"""A reload that removes a function another loaded module imported by name (`from a import helper` in b.py): the
reload log's details warn, naming `b.helper`."""

from __future__ import annotations

from pathlib import Path

from helpers import write
from tuihelpers import app_until, make_app, wait_stopped


async def test_reload_log_warns_about_a_removed_function_imported_by_name(tmp_path: Path) -> None:
    a = write(tmp_path, "a.py", "def helper():\n    return 1\n\n\ndef other():\n    return 2\n")
    write(tmp_path, "b.py", "from a import helper, other\n\n\ndef use():\n    return helper() + other()\n")
    prog = write(tmp_path, "prog.py", "import a, b\nprint(b.use())\n")
    app = make_app(prog, {prog: [2]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, 2)
        screen = app.main
        await pilot.press("m")  # open a.py by its module name
        await app_until(pilot, lambda: app.screen.query_one("#open-input").has_focus)
        app.screen.query_one("#open-input").value = "a"
        await pilot.press("enter")
        await app_until(pilot, lambda: app.screen is screen and screen.source.path == str(a.resolve()))
        a.write_text("def other():\n    return 3\n")
        await pilot.press("R")
        await app_until(pilot, lambda: screen.reload_log.records, what="a reload record")
        [record] = screen.reload_log.records
        assert record.outcome == "applied", record
        assert record.removed == ["helper"], record
        assert "warning: b.helper still refers to a.helper, which this reload removed" in (
            screen.reload_log.detail_text
        )
