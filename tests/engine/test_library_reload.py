"""Hot reload of library files (a real pip-installed package in site-packages): an explicit reload of a loaded one
works, with a warning; a save reloads it only with the opt-in, and says why otherwise; the standard library is
refused with the reason; a reload that removes a function another module imported by name warns."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dapper_tui.engine.sources import RELOAD_LIBRARIES_ENV, source_kind
from dapper_tui.reload.record import ReloadRecord
from helpers import edit
from installed_packages import installed_util


@pytest.fixture
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A fresh installed package per test (the tests edit its files); yields its name and util.py."""
    with installed_util(tmp_path_factory.mktemp("wheels"), "dapper_libreload") as found:
        yield found


def _write_program(driver, name: str) -> Path:
    return driver.write(
        "prog.py", f"from {name}.util import louder\nprint(louder('a'))\nprint(louder('b'))\n"
    )


def _stop_in_library(driver, name: str, util: Path) -> None:
    prog = driver.tmp / "prog.py"
    if not prog.exists():
        _write_program(driver, name)
    driver.run_to(prog, "lib line", util)
    assert driver.top() == ("louder", driver.line_of(util, "lib line"))


def test_explicit_reload_of_a_loaded_library_module_works_with_a_warning(driver, lib, monkeypatch):
    monkeypatch.delenv(RELOAD_LIBRARIES_ENV, raising=False)
    name, util = lib
    assert "site-packages" in str(util)
    assert source_kind(str(util)) == "library"
    _stop_in_library(driver, name, util)
    edit(util, 'return big + "?"', 'return big + "!"')
    result = driver.session.reload(str(util))
    assert result.ok, result.error
    assert result.reloadedModule == f"{name}.util"
    assert result.changed == ["louder"]
    assert any(
        w.startswith("library module: reloaded on request; saves of library files are not watched unless")
        for w in result.warnings
    ), result.warnings
    assert "--reload-libraries" in result.to_record().warnings[-1]
    assert driver.finish(clear=util).exit_code == 0
    # the next call runs the new code (the frame stopped in louder('a') finishes on the old code, or on the new
    # one where edit and continue moved it)
    assert driver.output().splitlines() in (["A?", "B!"], ["A!", "B!"])


def test_standard_library_and_dapper_tui_modules_are_refused_with_the_reason(driver):
    import dapper_tui.engine.sources as own

    prog = driver.write("prog.py", "import json\nbreakpoint()\nprint(json.dumps(1))\n")
    driver.launch(prog)
    driver.stopped()
    dumps = json.dumps.__code__
    result = driver.session.reload(json.__file__)
    assert not result.ok
    assert result.error.startswith(
        "refused: standard library module (json) — reloading it would affect the debugger itself"
    ), result.error
    own_result = driver.session.reload(own.__file__)
    assert not own_result.ok
    assert "refused: dapper-tui's own module (dapper_tui.engine.sources)" in (own_result.error or "")
    assert json.dumps.__code__ is dumps
    assert driver.finish().exit_code == 0


def test_removing_a_function_another_module_imported_by_name_warns(driver):
    a = driver.write("a.py", "def helper():\n    return 1\n\n\ndef other():\n    return 2\n")
    driver.write("b.py", "from a import helper, other\n\n\ndef use():\n    return helper() + other()\n")
    prog = driver.write("prog.py", "import a, b\nbreakpoint()\nprint(b.use())\n")
    driver.launch(prog)
    driver.stopped()
    a.write_text("def other():\n    return 3\n")
    result = driver.session.reload(str(a))
    assert result.ok, result.error
    stale = [w for w in result.warnings if w.startswith("b.helper still refers to a.helper")]
    assert len(stale) == 1, result.warnings
    assert "removed" in stale[0]
    assert not any(w.startswith("b.other") for w in result.warnings)  # changed in place, not removed
    assert driver.finish().exit_code == 0
    assert driver.output().splitlines() == ["4"]  # b.helper is the old function: 1 + the new other()


@contextlib.contextmanager
def _saved_while_stopped(driver, name: str, util: Path) -> Iterator[ReloadRecord]:
    """Stopped in the library with its folder watched, util.py saved with an edit: the save's record (the
    watcher stops at the end)."""
    _write_program(driver, name)  # before the watcher starts: its creation is no save to reload
    with driver.saves(debounce_ms=20) as saves:
        _stop_in_library(driver, name, util)
        saves.watching(util.parent)
        edit(util, 'return big + "?"', 'return big + "!"')
        yield saves.next()


def test_save_of_a_library_file_without_the_opt_in_is_not_reloaded_and_says_why(driver, lib, monkeypatch):
    monkeypatch.delenv(RELOAD_LIBRARIES_ENV, raising=False)
    name, util = lib
    with _saved_while_stopped(driver, name, util) as record:
        assert (record.outcome, record.path, record.module) == ("skipped", str(util), f"{name}.util")
        assert record.message.startswith(
            "library module: saved, not reloaded; saves of library files are not"
        )
        assert "--reload-libraries" in record.message
        assert record.hint
        assert driver.finish(clear=util).exit_code == 0
        assert driver.output().splitlines() == ["A?", "B?"]  # the old code ran on


def test_save_of_a_library_file_with_the_opt_in_reloads_it(driver, lib, monkeypatch):
    monkeypatch.setenv(RELOAD_LIBRARIES_ENV, "1")
    name, util = lib
    with _saved_while_stopped(driver, name, util) as record:
        assert (record.outcome, record.path) == ("applied", str(util)), record
        assert record.changed == ["louder"]
        assert "library module: reloaded; saves of library files reload them (--reload-libraries)" in (
            record.warnings
        )
        assert driver.finish(clear=util).exit_code == 0
        assert driver.output().splitlines() in (["A?", "B!"], ["A!", "B!"])
