"""Line re-mapping, the result's DAP/record shapes, options, telemetry, and a reload without a recorded source."""

from __future__ import annotations

import linecache

from dapper_tui.engine.hotreload import (
    ReloadOptions,
    ReloadResult,
    forget_source,
    realpath,
    reload_file,
    remap_lines,
    telemetry,
)
from dapper_tui.reload.record import ReloadRecord

from .conftest import Project

OLD = "a = 1\nb = 2\n\ndef f():\n    x = 1\n    return x\n"


def test_remap_insert_and_delete_above() -> None:
    new = "import os\nimport sys\n" + OLD
    assert remap_lines(OLD, new, [1, 5, 6]) == {1: 3, 5: 7, 6: 8}
    fewer = OLD.replace("b = 2\n", "")
    assert remap_lines(OLD, fewer, [2, 5]) == {2: None, 5: 4}


def test_remap_edited_and_reindented_lines() -> None:
    new = OLD.replace("    x = 1", "    x = 100").replace(
        "def f():\n    x = 100\n    return x\n", "def f():\n  x = 100\n  return x\n"
    )
    assert remap_lines(OLD, new, [5, 6]) == {5: 5, 6: 6}


def test_remap_ignores_lines_past_the_end() -> None:
    assert remap_lines(OLD, OLD, [99]) == {99: None}


def test_result_line_map_covers_the_file(project: Project) -> None:
    project.load("lm", OLD)
    project.edit("lm", "# header\n" + OLD)
    result = reload_file(project.path("lm"))
    assert result.ok
    assert result.line_map == {i: i + 1 for i in range(1, 7)}


def test_to_dict_and_to_record(project: Project) -> None:
    project.load("rec", OLD)
    project.edit("rec", OLD.replace("return x", "return x + 1"))
    result = reload_file(project.path("rec"))
    body = result.to_dict()
    for key in (
        "reloadedModule",
        "reloadedPath",
        "reboundFrames",
        "updatedFrameCodes",
        "patchedInstances",
        "warnings",
        "patchedFunctions",
        "patchedClasses",
        "added",
        "changed",
        "removed",
        "durationMs",
    ):
        assert key in body
    assert body["changed"] == ["f"]
    assert body["patchedFunctions"] == 1
    record = result.to_record()
    assert isinstance(record, ReloadRecord)
    assert record.scope == "debugger"
    assert record.outcome == "applied"
    assert record.ok
    assert record.module == project.name("rec")
    assert record.path == realpath(str(project.path("rec")))
    assert record.counters == {
        "reboundFrames": 0,
        "updatedFrameCodes": 0,
        "patchedInstances": 0,
        "patchedFunctions": 1,
        "patchedClasses": 0,
    }
    assert record.changed == ["f"]
    assert record.duration_ms == result.durationMs
    assert ReloadRecord.from_dict(record.to_dict()) == record


def test_failed_record_carries_error_and_hint() -> None:
    record = ReloadResult(ok=False, error="boom", hint="fix it").to_record()
    assert record.outcome == "failed"
    assert record.message == "boom"
    assert record.hint == "fix it"


def test_options_from_dict() -> None:
    assert ReloadOptions.from_dict(None) == ReloadOptions()
    opts = ReloadOptions.from_dict({"invalidatePycache": False, "mode": "module", "somethingElse": 1})
    assert opts == ReloadOptions(invalidatePycache=False, mode="module")
    defaults = ReloadOptions()
    assert (
        defaults.invalidatePycache,
        defaults.updateFrameCode,
        defaults.rebindFrameLocals,
        defaults.patchClassInstances,
        defaults.mode,
    ) == (True, True, True, True, "diff")


def test_telemetry_counts_and_recent_events(project: Project) -> None:
    before = telemetry()
    project.load("tel", OLD)
    project.edit("tel", OLD.replace("a = 1", "a = 5"))
    ok = reload_file(project.path("tel"))
    bad = reload_file(project.path("tel"), stopped=False)
    after = telemetry()
    assert ok.ok
    assert not bad.ok
    assert after["HOT_RELOAD_SUCCEEDED"] == before["HOT_RELOAD_SUCCEEDED"] + 1
    assert after["HOT_RELOAD_FAILED"] == before["HOT_RELOAD_FAILED"] + 1
    last_two = after["recent"][-2:]
    assert [e["event"] for e in last_two] == ["HOT_RELOAD_SUCCEEDED", "HOT_RELOAD_FAILED"]
    assert last_two[0]["module"] == project.name("tel")
    assert last_two[0]["durationMs"] >= 0
    assert "stopped" in last_two[1]["error"]


def test_reload_without_a_recorded_source_compares_code_and_says_so(project: Project) -> None:
    mod = project.load("norec", OLD + "\nSTATE = []\n")
    mod.STATE.append("runtime")
    real = realpath(str(project.path("norec")))
    forget_source(real)
    linecache.cache.pop(real, None)
    linecache.cache.pop(str(project.path("norec")), None)
    project.edit("norec", OLD.replace("return x", "return x * 7") + "\nSTATE = []\nNEW_NAME = 3\n")
    result = reload_file(project.path("norec"))
    assert result.ok, result.error
    assert mod.f() == 7
    assert "f" in result.changed
    assert mod.STATE == ["runtime"]
    assert mod.NEW_NAME == 3
    assert any("not recorded" in w for w in result.warnings)


def test_linecache_serves_as_the_previous_source(project: Project) -> None:
    mod = project.load("lc", OLD + "\nSTATE = 1\n")
    path = str(project.path("lc"))
    real = realpath(path)
    forget_source(real)
    linecache.getlines(path)  # what the source view did before the edit
    project.edit("lc", OLD + "\nSTATE = 2\n")
    result = reload_file(path)
    assert result.ok
    assert mod.STATE == 2
    assert "STATE" in result.changed
    assert not any("not recorded" in w for w in result.warnings)


def test_second_reload_diffs_against_the_first(project: Project) -> None:
    mod = project.load("twice", OLD)
    project.edit("twice", OLD.replace("a = 1", "a = 2"))
    assert reload_file(project.path("twice")).changed == ["a"]
    mod.b = 99  # runtime state
    project.edit("twice", OLD.replace("a = 1", "a = 2").replace("return x", "return -x"))
    result = reload_file(project.path("twice"))
    assert result.changed == ["f"]
    assert mod.a == 2
    assert mod.b == 99
    assert mod.f() == -1
