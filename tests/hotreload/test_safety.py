"""Each unsafe request gets a clear message, ok=False, a hint, and changes nothing."""

from __future__ import annotations

import _csv
import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from dapper_tui.engine.hotreload import ReloadOptions, reload_file, telemetry

from .conftest import Project

SRC = """
VALUE = 1


def f():
    return "old"
"""
EDIT = SRC.replace('"old"', '"new"').replace("VALUE = 1", "VALUE = 2")


def _assert_rejected(result, *words: str) -> None:
    assert not result.ok
    assert result.error
    for word in words:
        assert word in result.error, result.error
    assert result.hint
    assert result.patchedFunctions == result.patchedClasses == result.patchedInstances == 0
    assert result.added == result.changed == result.removed == []
    assert result.to_record().outcome == "failed"


def _unchanged(mod) -> None:
    assert mod.f() == "old"
    assert mod.VALUE == 1


@pytest.fixture
def loaded(project: Project):
    mod = project.load("safe", SRC)
    project.edit("safe", EDIT)
    return mod


def test_not_stopped(project: Project, loaded) -> None:
    failed = telemetry()["HOT_RELOAD_FAILED"]
    result = reload_file(project.path("safe"), stopped=False)
    _assert_rejected(result, "running", "stopped")
    _unchanged(loaded)
    assert telemetry()["HOT_RELOAD_FAILED"] == failed + 1


def test_not_python(project: Project, loaded, tmp_path: Path) -> None:
    data = tmp_path / "notes.txt"
    data.write_text("x = 1\n")
    _assert_rejected(reload_file(data), "not a Python source file")
    _unchanged(loaded)


def _copy_extension(tmp_path: Path) -> Path:
    src = Path(_csv.__file__)
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    return dst


def test_c_extension_by_path(tmp_path: Path) -> None:
    _assert_rejected(reload_file(_csv.__file__), "C extension")
    _assert_rejected(reload_file(_copy_extension(tmp_path)), "C extension")


def test_c_extension_by_real_file_behind_a_py_name(tmp_path: Path) -> None:
    """A .py name that is really a shared library (a symlink to it)."""
    link = tmp_path / "fast.py"
    link.symlink_to(_csv.__file__)
    _assert_rejected(reload_file(link), "C extension")


def test_c_extension_loaded_from_a_twin_of_the_source(tmp_path: Path) -> None:
    """mod.py beside the mod.cpython-3xx.so it was compiled to: the module really runs the extension."""
    import sys

    ext = _copy_extension(tmp_path)
    spec = importlib.util.spec_from_file_location("_csv", ext)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["hr_twin_csv"] = module
    try:
        source = tmp_path / "_csv.py"
        source.write_text("def reader(): pass\n")
        result = reload_file(source)
        _assert_rejected(result, "C extension", "hr_twin_csv")
    finally:
        del sys.modules["hr_twin_csv"]


def test_file_not_loaded(project: Project) -> None:
    path = project.write("never_imported", SRC)
    _assert_rejected(reload_file(path), "not loaded")


def test_syntax_error_gives_line_and_column(project: Project, loaded) -> None:
    project.edit("safe", SRC.replace('return "old"', 'return "old" +'))
    result = reload_file(project.path("safe"))
    _assert_rejected(result, "SyntaxError", "line 5", "column")
    _unchanged(loaded)


def test_compile_time_error_outside_the_parser(project: Project, loaded) -> None:
    project.edit("safe", SRC + "\n\ndef g():\n    nonlocal q\n")
    _assert_rejected(reload_file(project.path("safe")), "SyntaxError", "line 9")
    _unchanged(loaded)


def test_module_body_raises_in_module_mode(project: Project, loaded) -> None:
    before = dict(vars(loaded))
    project.edit("safe", EDIT + "\nraise RuntimeError('boom at import')\n")
    result = reload_file(project.path("safe"), ReloadOptions(mode="module"))
    _assert_rejected(result, "RuntimeError", "boom at import", "rolled back")
    _unchanged(loaded)
    assert vars(loaded) == before


def test_deleted_file(project: Project, loaded) -> None:
    os.unlink(project.path("safe"))
    _assert_rejected(reload_file(project.path("safe")), "deleted")
    _unchanged(loaded)


def test_unreadable_file(project: Project, loaded) -> None:
    path = project.path("safe")
    os.unlink(path)
    path.mkdir()  # the name now is a folder: open() fails (root can read any file, so no chmod here)
    _assert_rejected(reload_file(path), "cannot be read")
    _unchanged(loaded)


def test_bad_mode_option() -> None:
    with pytest.raises(ValueError, match="mode"):
        ReloadOptions.from_dict({"mode": "everything"})
