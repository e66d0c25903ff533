"""A save of a library file in the TUI (a real pip-installed package, the app's real watcher): without the opt-in it
is not reloaded and the reload log says why; with it (DAPPER_TUI_RELOAD_LIBRARIES=1, what --reload-libraries sets)
it reloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dapper_tui.engine.sources import RELOAD_LIBRARIES_ENV
from helpers import line_of
from installed_packages import installed_util
from tuihelpers import app_until, make_app, wait_stopped


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with installed_util(tmp_path / "wheels", "dapper_tuisave") as found:
        yield found


async def _save_while_stopped_in_library(tmp_path: Path, name: str, util: Path) -> list:
    prog = tmp_path / "prog.py"
    prog.write_text(f"from {name}.util import louder\nprint(louder('a'))\nprint(louder('b'))\n")
    app = make_app(prog, {util: [line_of(util, "lib line")]}, auto_reload=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line_of(util, "lib line"), timeout=20)
        folder = util.parent.resolve()
        await app_until(pilot, lambda: folder in app.coordinator._roots() and app.coordinator.watching, 10)
        await pilot.pause(0.2)  # the watcher took the folder in
        util.write_text(util.read_text().replace('return big + "?"', 'return big + "!"'))
        log = app.main.reload_log
        await app_until(pilot, lambda: log.records, 10, "a reload record")
        records = list(log.records)
        detail = log.detail_text
        app.session.set_breakpoints(str(util), [])
        await pilot.press("c")
        await app_until(pilot, lambda: app.session.state == "exited", 10)
    return [records, detail, app.session.exit_code]


async def test_save_without_the_opt_in_is_not_reloaded_and_the_log_says_why(tmp_path, lib, monkeypatch):
    monkeypatch.delenv(RELOAD_LIBRARIES_ENV, raising=False)
    name, util = lib
    records, detail, code = await _save_while_stopped_in_library(tmp_path, name, util)
    [record] = records
    assert (record.outcome, record.module) == ("skipped", f"{name}.util")
    assert "library module: saved, not reloaded; saves of library files are not watched unless" in detail
    assert "--reload-libraries" in detail
    assert code == 0


async def test_save_with_the_opt_in_reloads(tmp_path, lib, monkeypatch):
    monkeypatch.setenv(RELOAD_LIBRARIES_ENV, "1")
    name, util = lib
    records, detail, code = await _save_while_stopped_in_library(tmp_path, name, util)
    assert [(r.outcome, r.module) for r in records] == [("applied", f"{name}.util")]
    assert "warning: library module: reloaded; saves of library files reload them" in detail
    assert code == 0
