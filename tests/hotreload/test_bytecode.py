"""Stale bytecode, with bytecode writing on."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from dapper_tui.engine.hotreload import ReloadOptions, reload_file

from .conftest import Project, run_python

SRC = "def f():\n    return 1\n"


def _pyc(path: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(path)))


def test_bytecode_writing_is_on(project: Project) -> None:
    assert not sys.dont_write_bytecode
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    project.load("on", SRC)
    assert _pyc(project.path("on")).exists()


def test_only_that_files_bytecode_no_prefix_match(project: Project) -> None:
    mod = project.load("mod", SRC)
    project.load("models", SRC)  # "<prefix>mod" is a prefix of "<prefix>models"
    project.load("mod_extra", SRC)
    models_pyc, extra_pyc = _pyc(project.path("models")), _pyc(project.path("mod_extra"))
    keep = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (models_pyc, extra_pyc)}
    opt1 = Path(importlib.util.cache_from_source(str(project.path("mod")), optimization=1))
    opt1.write_bytes(_pyc(project.path("mod")).read_bytes())  # as if it was also imported with -O
    project.edit("mod", SRC.replace("1", "2"))
    result = reload_file(project.path("mod"))
    assert result.ok
    assert mod.f() == 2
    assert not _pyc(project.path("mod")).exists()
    assert not opt1.exists()
    for p, (data, mtime) in keep.items():
        assert p.read_bytes() == data
        assert p.stat().st_mtime_ns == mtime


def _same_second_same_size_edit(project: Project, short: str) -> tuple[Path, object]:
    mod = project.load(short, SRC)
    path = project.path(short)
    assert _pyc(path).exists()
    before = path.stat()
    path.write_text(SRC.replace("1", "2"))  # same size...
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # ...and the same second
    assert path.stat().st_size == before.st_size
    return path, mod


def test_same_size_edit_within_the_same_second_is_picked_up(project: Project) -> None:
    path, mod = _same_second_same_size_edit(project, "same")
    result = reload_file(path)
    assert result.ok, result.error
    assert mod.f() == 2  # in this process
    fresh = run_python(["-c", f"import {project.name('same')} as m; print(m.f())"], project.root)
    assert fresh.stdout.strip() == "2", fresh.stderr  # and in a fresh one: the stale .pyc is gone


def test_without_invalidation_a_fresh_process_gets_the_stale_bytecode(project: Project) -> None:
    """The control experiment: the trap is real, and invalidatePycache=False leaves the cache alone."""
    path, mod = _same_second_same_size_edit(project, "stale")
    result = reload_file(path, ReloadOptions(invalidatePycache=False))
    assert result.ok
    assert mod.f() == 2
    assert _pyc(path).exists()
    fresh = run_python(["-c", f"import {project.name('stale')} as m; print(m.f())"], project.root)
    assert fresh.stdout.strip() == "1", fresh.stderr
