"""Audited reload bugs: functions paired by a name that is not unique, a failure while committing, option
values that are not booleans, the updateFrameCode warning."""

from __future__ import annotations

import pytest
from dapper_tui.engine.hotreload import ReloadOptions, _sources, reload_file, running_old_code, source_of

from .conftest import Parked, Project

LAMBDAS = """
a = lambda: "a-old"
b = lambda: "b"
HANDLERS = {"b": b}
"""


def test_editing_one_lambda_leaves_the_other_lambdas_alone(project: Project) -> None:
    mod = project.load("lam", LAMBDAS)
    held = mod.b
    project.edit("lam", LAMBDAS.replace("a-old", "a-new"))
    result = reload_file(project.path("lam"))
    assert result.ok, result.error
    assert mod.a() == "a-new"
    assert mod.b() == "b"
    assert held() == "b"
    assert mod.HANDLERS["b"]() == "b"
    assert result.patchedFunctions == 1
    assert result.changed == ["a"]


CLASS_LAMBDAS = """
class Table:
    first = lambda self: "first"
    second = lambda self: "second"


KEPT = [Table.first, Table.second]
"""


@pytest.mark.parametrize("mode", ["diff", "module"])
def test_two_lambdas_in_a_class_body_one_removed_one_added(project: Project, mode: str) -> None:
    mod = project.load("cl", CLASS_LAMBDAS)
    first, second = mod.KEPT
    new = CLASS_LAMBDAS.replace('    first = lambda self: "first"\n', "").replace(
        '    second = lambda self: "second"\n',
        '    second = lambda self: "second"\n    third = lambda self: "third"\n',
    )
    project.edit("cl", new.replace("KEPT = [Table.first, Table.second]", "KEPT = []"))
    result = reload_file(project.path("cl"), ReloadOptions(mode=mode))
    assert result.ok, result.error
    t = mod.Table()
    assert second(t) == "second"
    assert t.second() == "second"
    assert t.third() == "third"
    assert first(t) == "first"  # removed from the class: the held function keeps its code
    assert not hasattr(mod.Table, "first")


NESTED_SAME_NAME = """
def make(kind):
    if kind == "loud":
        def speak():
            return "LOUD"
    else:
        def speak():
            return "quiet"
    return speak
"""


def test_nested_defs_with_the_same_name_keep_their_own_definitions(project: Project) -> None:
    mod = project.load("nest", NESTED_SAME_NAME)
    loud, quiet = mod.make("loud"), mod.make("quiet")
    # a third `speak` is added above the two, and only the last one is edited
    new = NESTED_SAME_NAME.replace(
        '    if kind == "loud":',
        '    if kind == "whisper":\n        def speak():\n            return "..."\n    elif kind == "loud":',
    )
    project.edit("nest", new.replace('return "quiet"', 'return "soft"'))
    result = reload_file(project.path("nest"))
    assert result.ok, result.error
    assert loud() == "LOUD"
    assert quiet() == "soft"
    assert mod.make("whisper")() == "..."
    assert not any("keep their old code" in w for w in result.warnings), result.warnings


def test_functions_that_cannot_be_told_apart_keep_their_code_with_a_warning(project: Project) -> None:
    src = 'PAIR = (lambda: "left", lambda: "right")\n'
    mod = project.load("pair", src)
    left, right = mod.PAIR
    held = [left, right]
    project.edit("pair", src.replace('"left"', '"LEFT"').replace("PAIR", "OTHER"))
    result = reload_file(project.path("pair"))
    assert result.ok, result.error
    assert [f() for f in held] == ["left", "right"]  # neither was given the other's (or a guessed) code
    assert mod.OTHER[0]() == "LEFT"
    assert any("<lambda>" in w and "keep their old code" in w for w in result.warnings), result.warnings


SRC = """
def f():
    return "old"


class Shape:
    def area(self):
        return 1


def hold(ready, event):
    shape_class = Shape
    ready.set()
    event.wait(10)
    return shape_class
"""


def test_a_failure_while_committing_rolls_everything_back(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection (no real trigger was found): the helper that marks replaced code fails during commit."""
    mod = project.load("commit", SRC)
    held = mod.f
    edited = SRC.replace('"old"', '"new"')
    project.edit("commit", edited)

    def broken(code, source):
        raise RuntimeError("simulated failure while committing")

    monkeypatch.setattr(_sources, "mark_old", broken)
    result = reload_file(project.path("commit"))
    assert not result.ok
    assert "rolled back" in (result.error or "")
    assert "simulated failure" in (result.error or "")
    assert result.patchedFunctions == 0
    assert result.changed == []
    assert result.warnings == []
    assert mod.f() == "old"
    assert held() == "old"
    assert mod.f is held
    assert source_of(held.__code__) is None  # nothing is marked as replaced
    monkeypatch.undo()
    # the recorded source did not move on: the next reload still sees the edit
    again = reload_file(project.path("commit"))
    assert again.ok, again.error
    assert again.changed == ["f"]
    assert held() == "new"


def test_a_late_failure_while_committing_puts_frame_locals_back(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the bytecode cache clean-up (after frame locals were rebound) fails."""
    from dapper_tui.engine.hotreload import _pycache

    mod = project.load("late", SRC)
    old_shape = mod.Shape
    parked = Parked(mod.hold)
    project.edit("late", SRC.replace("class Shape:", "class Shape(dict):"))  # rebuilt: locals are rebound

    def broken(path, cached=None):
        raise PermissionError("simulated: cannot delete the bytecode cache")

    monkeypatch.setattr(_pycache, "invalidate", broken)
    result = reload_file(project.path("late"), frames=[parked.frame])
    assert not result.ok
    assert "rolled back" in (result.error or "")
    assert result.reboundFrames == 0
    assert mod.Shape is old_shape
    assert parked.release() is old_shape  # the frame's local holds the class it held before


def test_options_must_be_booleans() -> None:
    with pytest.raises(ValueError, match="invalidatePycache must be true or false, not 'false'"):
        ReloadOptions.from_dict({"invalidatePycache": "false"})
    with pytest.raises(ValueError, match="rebindFrameLocals"):
        ReloadOptions.from_dict({"rebindFrameLocals": 0})
    with pytest.raises(ValueError, match="patchClassInstances"):
        ReloadOptions(patchClassInstances=None)  # type: ignore[arg-type]
    assert ReloadOptions.from_dict({"invalidatePycache": False}).invalidatePycache is False


def test_update_frame_code_warning_says_why_no_frame_was_updated(project: Project) -> None:
    src = "def park_here(ready, event):\n    ready.set()\n    event.wait(10)\n    return 'old'\n"
    mod = project.load("ufc", src)
    parked = Parked(mod.park_here)
    project.edit("ufc", src.replace("'old'", "'new'"))
    result = reload_file(project.path("ufc"), ReloadOptions(updateFrameCode=True), frames=[parked.frame])
    assert result.ok, result.error
    assert result.updatedFrameCodes == 0
    [why] = [w for w in result.warnings if w.startswith("updateFrameCode")]
    assert "only when a debug session holds it stopped at the start of a line" in why
    frame = parked.frame
    while frame.f_code.co_name != "park_here":
        frame = frame.f_back
    assert running_old_code(frame)
    assert parked.release() == "old"


def test_a_rolled_back_reload_is_not_taken_for_the_module_source(project: Project) -> None:
    """Running the edited statement (which raises) must not record the file on disk as what the module runs:
    a second reload of the same broken save fails again instead of reporting "no definition changed"."""
    src = 'VALUE = 1\n\n\ndef f():\n    return "old"\n'
    mod = project.load("again", src)
    project.edit("again", src.replace("VALUE = 1", "VALUE = 1 // 0").replace('"old"', '"new"'))
    first = reload_file(project.path("again"))
    assert not first.ok
    assert "ZeroDivisionError" in (first.error or "")
    second = reload_file(project.path("again"))
    assert not second.ok
    assert "ZeroDivisionError" in (second.error or "")
    assert mod.VALUE == 1
    assert mod.f() == "old"
