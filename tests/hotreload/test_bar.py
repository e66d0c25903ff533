"""The hot reload table: each shape of edit (functions, decorators, classes, constants, state) gives what a restart
would, in both modes (diff and module) where the shape applies to both."""

from __future__ import annotations

import dataclasses
import sys

import pytest
from dapper_tui.engine.hotreload import ReloadOptions, reload_file

from .conftest import Parked, Project

MODES = ["diff", "module"]

BASE = """
import functools

COUNTER = 0
LIMIT = 10


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def greet(name):
    return f"hello {name}"


@traced
def double(x):
    return x * 2


def make_adder(n):
    def add(x):
        return x + n
    return add


def bump():
    global COUNTER
    COUNTER += 1
    return COUNTER


def doomed():
    return "still here"


class Shape:
    sides = 0

    def describe(self):
        return "old describe"

    @property
    def area(self):
        return 1
"""


def edited(src: str) -> str:
    return (
        src.replace('f"hello {name}"', 'f"HELLO {name}!"')
        .replace("return x * 2", "return x * 3")
        .replace("return x + n", "return x + n * 100")
        .replace('"old describe"', '"new describe"')
        .replace("return 1\n", "return 42\n\n    def perimeter(self):\n        return 'added method'\n")
        .replace("LIMIT = 10", "LIMIT = 99")
        .replace('def doomed():\n    return "still here"\n', "")
    )


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def load_and_edit(project: Project, mode: str):
    mod = project.load("bar", BASE)
    held = {
        "greet": mod.greet,  # `from mod import greet`
        "double": mod.double,  # a functools.wraps-decorated function
        "adder": mod.make_adder(1),  # a closure made before the reload
        "shape": mod.Shape(),
        "Shape": mod.Shape,
        "doomed": mod.doomed,
    }
    mod.bump()
    mod.bump()  # runtime state: COUNTER == 2, its line is not edited
    project.edit("bar", edited(BASE))
    result = reload_file(project.path("bar"), ReloadOptions(mode=mode))  # type: ignore[arg-type]
    assert result.ok, result.error
    return mod, held, result


def test_reference_held_before_reload_runs_new_code(project: Project, mode: str) -> None:
    mod, held, result = load_and_edit(project, mode)
    assert held["greet"]("ann") == "HELLO ann!"
    assert held["greet"] is mod.greet
    assert "greet" in result.changed


def test_wraps_decorated_reference_runs_new_code(project: Project, mode: str) -> None:
    mod, held, _ = load_and_edit(project, mode)
    assert held["double"](5) == 15
    assert mod.double(5) == 15
    assert held["double"].__wrapped__(5) == 15


def test_closure_made_before_reload_runs_new_code(project: Project, mode: str) -> None:
    mod, held, _ = load_and_edit(project, mode)
    assert held["adder"](1) == 101
    assert mod.make_adder(2)(1) == 201


def test_old_instance_sees_edited_method_property_and_added_method(project: Project, mode: str) -> None:
    _, held, result = load_and_edit(project, mode)
    shape = held["shape"]
    assert shape.describe() == "new describe"
    assert shape.area == 42
    assert shape.perimeter() == "added method"
    assert "Shape.describe" in result.changed
    assert "Shape.perimeter" in result.added
    assert result.patchedClasses >= 1


def test_isinstance_and_class_identity_kept(project: Project, mode: str) -> None:
    mod, held, _ = load_and_edit(project, mode)
    assert isinstance(held["shape"], mod.Shape)
    assert mod.Shape is held["Shape"]


def test_global_mutated_at_runtime_is_kept(project: Project, mode: str) -> None:
    mod, _, _ = load_and_edit(project, mode)
    if mode == "module":
        pytest.skip("module mode re-runs every assignment (importlib.reload semantics)")
    assert mod.COUNTER == 2
    assert mod.bump() == 3


def test_edited_constant_has_new_value(project: Project, mode: str) -> None:
    mod, _, result = load_and_edit(project, mode)
    assert mod.LIMIT == 99
    assert "LIMIT" in result.changed


def test_deleted_function_is_gone_and_reported(project: Project, mode: str) -> None:
    mod, _, result = load_and_edit(project, mode)
    assert not hasattr(mod, "doomed")
    assert "doomed" in result.removed


BASES = """
class Base:
    def who(self):
        return "base"


class Mixin:
    def extra(self):
        return "mixin"


class Thing(Base):
    def hello(self):
        return "thing"
"""


def test_edited_base_class_list_moves_old_instances(project: Project, mode: str) -> None:
    mod = project.load("bases", BASES)
    old = mod.Thing()
    alias = mod.Thing
    parked = Parked(_hold_class, mod.Thing)  # a live frame whose local holds the old class
    project.edit("bases", BASES.replace("class Thing(Base):", "class Thing(Mixin, Base):"))
    result = reload_file(project.path("bases"), ReloadOptions(mode=mode), frames=[parked.frame])  # type: ignore[arg-type]
    assert result.ok, result.error
    assert "Thing" in result.changed
    assert old.extra() == "mixin"
    assert isinstance(old, mod.Thing)
    assert isinstance(old, mod.Mixin)
    assert type(old).__bases__ == (mod.Mixin, mod.Base)
    assert result.patchedInstances >= 1
    assert alias is not mod.Thing  # the class was rebuilt...
    assert result.reboundFrames == 1  # ...and the live frame's local now names the new one
    assert parked.release() is mod.Thing


def _hold_class(ready, event, cls):
    local_cls = cls
    ready.set()
    event.wait(5)
    return local_cls


DATACLASS = """
from dataclasses import dataclass, field


@dataclass
class Point:
    x: int = 0
    y: int = 0

    def norm(self):
        return abs(self.x) + abs(self.y)
"""


def test_dataclass_field_added(project: Project, mode: str) -> None:
    mod = project.load("dc", DATACLASS)
    old = mod.Point(1, 2)
    project.edit("dc", DATACLASS.replace("    y: int = 0\n", "    y: int = 0\n    z: int = 7\n"))
    result = reload_file(project.path("dc"), ReloadOptions(mode=mode))  # type: ignore[arg-type]
    assert result.ok, result.error
    assert [f.name for f in dataclasses.fields(mod.Point)] == ["x", "y", "z"]
    assert mod.Point().z == 7
    assert mod.Point(1, 2, 3) == mod.Point(x=1, y=2, z=3)
    assert isinstance(old, mod.Point)
    assert [f.name for f in dataclasses.fields(old)] == ["x", "y", "z"]
    assert old.z == 7
    assert old.norm() == 3
    assert result.patchedInstances == 1


RAISES = """
VALUE = "old"


def get():
    return VALUE


class K:
    def m(self):
        return "old m"
"""


def test_module_body_that_raises_is_rolled_back(project: Project, mode: str) -> None:
    mod = project.load("raises", RAISES)
    get, k, ns_before = mod.get, mod.K(), dict(vars(mod))
    code_before = get.__code__
    project.edit(
        "raises",
        RAISES.replace('"old"', '"new"')
        .replace('return "old m"', 'return "new m"')
        .replace("return VALUE", "return VALUE + '!'")
        + "\nBOOM = 1 / 0\n",
    )
    result = reload_file(project.path("raises"), ReloadOptions(mode=mode))  # type: ignore[arg-type]
    assert not result.ok
    assert "ZeroDivisionError" in (result.error or "")
    assert "rolled back" in (result.error or "")
    boom_line = project.path("raises").read_text().splitlines().index("BOOM = 1 / 0") + 1
    assert f"line {boom_line}" in (result.error or "")
    assert result.hint
    assert get() == "old"
    assert get.__code__ is code_before
    assert k.m() == "old m"
    assert vars(mod) == ns_before
    assert result.patchedFunctions == 0
    assert result.changed == []


BREAK = """
def compute(x):
    total = x
    total += 1
    return total * 2
"""


def test_breakpoint_lines_shift_and_still_hit(project: Project, mode: str) -> None:
    mod = project.load("brk", BREAK)
    old_text = project.path("brk").read_text()
    bp_line = 3  # "total += 1"
    fn = mod.compute
    new_text = "# a comment\nimport os\n\n\n" + old_text.replace(
        "    total = x\n", "    total = x\n    total -= 0\n"
    )
    project.path("brk").write_text(new_text)
    result = reload_file(project.path("brk"), ReloadOptions(mode=mode))  # type: ignore[arg-type]
    assert result.ok, result.error
    new_line = result.line_map[bp_line]
    assert new_line == 8
    assert new_text.splitlines()[new_line - 1].strip() == "total += 1"
    hits = _lines_run(fn, 1, str(project.path("brk")))
    assert new_line in hits
    assert fn(1) == 4


def _lines_run(fn, arg, filename):
    import os

    hits = []
    real = os.path.realpath(filename)

    def tracer(frame, event, _arg):
        if os.path.realpath(frame.f_code.co_filename) == real and event == "line":
            hits.append(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        fn(arg)
    finally:
        sys.settrace(None)
    return hits
