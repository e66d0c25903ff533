"""Audited reload bugs, through a real debug session on a real stopped program: breakpoints in unchanged code,
files the program did not load, breakpoints whose lines a reload removes or merges, a program that exited."""

from __future__ import annotations

import json
import textwrap as stdlib_textwrap

import pytest
from dapper_tui.engine import evaluate as own_module
from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.events import BreakpointChanged, LoadedSource, Reloaded
from dapper_tui.engine.persist import ProjectState
from helpers import edit

PROGRAM = """
    import shapes

    shapes.main()
    """
SHAPES = """
    def helper(n):
        total = n * 2                      # helper body
        return total


    def other():
        return "old"


    def main():
        for n in (1, 2):
            print("got", helper(n), other())
    """


def _events(driver, kind: type) -> list:
    driver.output()
    return [e for e in driver.seen if isinstance(e, kind)]


def test_a_function_holding_a_breakpoint_is_not_reported_changed_when_it_was_not_edited(driver):
    """3.11: the bytecode backend's breakpoint hooks live in the function's code object (module mode)."""
    prog = driver.write("prog.py", PROGRAM)
    shapes = driver.write("shapes.py", SHAPES)
    body = driver.line_of(shapes, "# helper body")
    driver.session.set_breakpoints(str(shapes), [body])
    driver.launch(prog)
    driver.stopped()
    assert driver.top() == ("helper", body)
    edit(shapes, 'return "old"', 'return "new"')
    result = driver.session.reload(str(shapes), {"mode": "module"})
    assert result.ok, result.error
    assert result.changed == ["other"]  # helper carries the debugger's breakpoint hooks, but was not edited
    assert result.patchedFunctions == 1
    frames = driver.session.stack()
    assert [(f.name, f.old_code) for f in frames[:2]] == [("helper", False), ("main", False)]
    assert not any("keep running their old code" in w for w in result.warnings), result.warnings
    driver.session.continue_()
    stop = driver.stopped()  # the breakpoint in the unchanged function still stops
    assert stop.reason == "breakpoint"
    assert driver.top() == ("helper", body)
    assert driver.finish().exit_code == 0
    assert "got 2 new" in driver.output()
    assert "got 4 new" in driver.output()


def test_files_the_program_did_not_load_are_refused_and_left_alone(driver):
    prog = driver.write("prog.py", "import shapes\nbreakpoint()\nprint(shapes.other())\n")
    driver.write("shapes.py", SHAPES)
    driver.launch(prog)
    driver.stopped()
    dedent_code = stdlib_textwrap.dedent.__code__
    for path, why in (
        (stdlib_textwrap.__file__, "refused: standard library module (textwrap)"),
        (own_module.__file__, "refused: dapper-tui's own module"),
    ):
        result = driver.session.reload(path)
        assert not result.ok
        assert why in (result.error or ""), result.error
        assert result.patchedFunctions == 0
        assert result.changed == []
    assert stdlib_textwrap.dedent.__code__ is dedent_code
    assert [e for e in _events(driver, LoadedSource) if e.reason == "changed"] == []
    # the program's own files still reload
    shapes = driver.tmp / "shapes.py"
    edit(shapes, 'return "old"', 'return "new"')
    assert driver.session.reload(str(shapes)).ok
    assert driver.finish().exit_code == 0
    assert "new" in driver.output()


def test_reload_after_the_program_exited_says_so(driver):
    prog = driver.write("prog.py", "import shapes\n")
    shapes = driver.write("shapes.py", SHAPES)
    idle = driver.session.reload(str(shapes))
    assert not idle.ok
    assert "has not started" in (idle.error or "")
    driver.launch(prog)
    assert driver.finish().exit_code == 0
    edit(shapes, 'return "old"', 'return "new"')
    result = driver.session.reload(str(shapes))
    assert not result.ok
    assert "has exited" in (result.error or "")
    assert "nothing to reload" in (result.error or "")
    assert "running" not in (result.error or "")
    assert result.hint
    assert "Restart" in result.hint


def test_bad_option_values_are_refused_before_anything_changes(driver):
    prog = driver.write("prog.py", PROGRAM)
    shapes = driver.write("shapes.py", SHAPES)
    driver.run_to(prog, "# helper body", shapes)
    edit(shapes, 'return "old"', 'return "new"')
    with pytest.raises(ValueError, match="invalidatePycache must be true or false"):
        driver.session.reload(str(shapes), {"invalidatePycache": "false"})
    assert not _events(driver, Reloaded)
    assert driver.value("__import__('shapes').other()") == "'old'"
    assert driver.finish(clear=shapes).exit_code == 0


PRICING = """
    RATE = 10


    def price(n):
        base = n * RATE                    # first
        extra = base + 1                   # second
        return extra


    def tax(n):
        return n                           # gone
    """


def test_a_breakpoint_whose_line_was_removed_stays_listed_unverified_and_saved(driver, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    prog = driver.write("prog.py", "import pricing\nbreakpoint()\nprint('total', pricing.price(2))\n")
    pricing = driver.write("pricing.py", PRICING)
    gone = driver.line_of(pricing, "# gone")
    driver.session.set_breakpoints(str(pricing), [BreakpointSpec(gone, condition="n > 0")])
    driver.launch(prog)
    driver.stopped()
    edit(pricing, "\n\ndef tax(n):\n    return n                           # gone\n", "\n")
    result = driver.session.reload(str(pricing))
    assert result.ok, result.error
    [bp] = driver.session.breakpoint_list()
    assert not bp.verified
    assert bp.message == "its line was removed by the reload"
    assert bp.condition == "n > 0"
    assert bp.path == str(pricing.resolve())
    assert any(e.reason == "changed" and e.breakpoint is bp for e in _events(driver, BreakpointChanged))
    state = ProjectState.load(prog)
    state.remember(driver.session.breakpoint_list(), [])
    saved = json.loads(state.file.read_text())["breakpoints"]
    assert saved == {str(pricing.resolve()): [{"line": bp.line, "condition": "n > 0"}]}
    assert driver.finish().exit_code == 0  # it never stops
    assert "total 21" in driver.output()


def test_two_breakpoints_moved_onto_one_line_are_merged_and_reported(driver):
    prog = driver.write("prog.py", "import pricing\nbreakpoint()\nprint('total', pricing.price(2))\n")
    pricing = driver.write("pricing.py", PRICING)
    first, second = driver.line_of(pricing, "# first"), driver.line_of(pricing, "# second")
    driver.session.set_breakpoints(str(pricing), [BreakpointSpec(first), BreakpointSpec(second, "n > 0")])
    ids = {bp.line: bp.id for bp in driver.session.breakpoint_list()}
    driver.launch(prog)
    driver.stopped()
    # the three lines of the body become one: both breakpoints land on it
    edit(
        pricing,
        "    base = n * RATE                    # first\n"
        "    extra = base + 1                   # second\n"
        "    return extra\n",
        "    return n * RATE + 1\n",
    )
    result = driver.session.reload(str(pricing))
    assert result.ok, result.error
    [kept] = driver.session.breakpoint_list()
    assert kept.id == ids[first]
    assert kept.line == first
    assert kept.verified
    [removed] = [e.breakpoint for e in _events(driver, BreakpointChanged) if e.reason == "removed"]
    assert removed.id == ids[second]
    assert f"merged into breakpoint {kept.id}" in (removed.message or "")
    driver.session.continue_()
    stop = driver.stopped()
    assert stop.hit_breakpoint_ids == (kept.id,)
    assert driver.top() == ("price", first)
    assert driver.finish().exit_code == 0
    assert "total 21" in driver.output()


def test_removed_line_breakpoint_is_replaced_when_the_front_end_sets_the_file_again(driver):
    pricing = driver.write("pricing.py", PRICING)
    prog = driver.write("prog.py", "import pricing\nbreakpoint()\n")
    driver.run_to(prog, "# gone", pricing)
    edit(pricing, "\n\ndef tax(n):\n    return n                           # gone\n", "\n")
    assert driver.session.reload(str(pricing)).ok
    [orphan] = driver.session.breakpoint_list()
    assert not orphan.verified
    driver.session.set_breakpoints(str(pricing), [driver.line_of(pricing, "# first")])
    [bp] = driver.session.breakpoint_list()
    assert bp.verified
    assert bp.line == driver.line_of(pricing, "# first")
    assert driver.finish().exit_code == 0
