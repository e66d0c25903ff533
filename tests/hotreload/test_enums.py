"""Enum members keep their identity across a reload: ``held is Color.RED``, ``Color(1) is held``, ``isinstance``.

An edited enum is not rebuilt: the live class object stays, its members stay the same objects, the members the
new source adds join it, the ones it drops leave it, and its methods are patched in place.
"""

from __future__ import annotations

import enum
import linecache

import pytest
from dapper_tui.engine.hotreload import ReloadOptions, forget_source, realpath, reload_file

from .conftest import Project

MODES = ["diff", "module"]

COLORS = """
import enum


class Color(enum.Enum):
    RED = 1
    GREEN = 2

    def label(self):
        return "old " + self.name


DEFAULT = Color.RED
"""


def test_enum_method_edit_and_member_edit_in_place(project: Project) -> None:
    mod = project.load("enm", COLORS)
    red = mod.Color.RED
    project.reload("enm", COLORS.replace('"old "', '"new "'))
    assert red.label() == "new RED"
    assert mod.Color.RED is red
    project.reload("enm", COLORS.replace('"old "', '"new "').replace("GREEN = 2", "GREEN = 2\n    BLUE = 3"))
    assert [c.name for c in mod.Color] == ["RED", "GREEN", "BLUE"]
    assert mod.Color.RED is red
    assert isinstance(mod.Color.BLUE, enum.Enum)


@pytest.mark.parametrize("mode", MODES)
def test_added_member_keeps_the_held_members(project: Project, mode: str) -> None:
    mod = project.load("col", COLORS)
    other = project.load("user", "from MOD_col import Color\n")
    Color, held, green = mod.Color, mod.Color.RED, mod.Color.GREEN
    result = project.reload(
        "col", COLORS.replace("    GREEN = 2\n", "    BLUE = 3\n    GREEN = 2\n"), ReloadOptions(mode=mode)
    )
    assert mod.Color is Color
    assert other.Color is Color
    assert held is mod.Color.RED
    assert mod.Color(1) is held
    assert mod.Color["RED"] is held
    assert isinstance(held, mod.Color)
    assert green is mod.Color.GREEN
    assert mod.DEFAULT is held
    blue = mod.Color.BLUE
    assert isinstance(blue, mod.Color)
    assert blue.value == 3
    assert mod.Color(3) is blue
    assert list(mod.Color) == [held, blue, green]  # the new order
    assert list(mod.Color.__members__) == ["RED", "BLUE", "GREEN"]
    assert len(mod.Color) == 3
    assert blue.label() == "old BLUE"
    assert blue in mod.Color
    assert "Color.BLUE" in result.changed
    assert not any("stay old members" in w for w in result.warnings)


@pytest.mark.parametrize("mode", MODES)
def test_changed_value_moves_with_the_member(project: Project, mode: str) -> None:
    mod = project.load("val", COLORS)
    held = mod.Color.RED
    result = project.reload("val", COLORS.replace("RED = 1", "RED = 10"), ReloadOptions(mode=mode))
    assert held is mod.Color.RED
    assert held.value == 10
    assert mod.Color(10) is held
    with pytest.raises(ValueError):
        mod.Color(1)
    assert any("Color.RED" in w and "1 -> 10" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("mode", MODES)
def test_removed_member_stays_usable_where_it_is_held(project: Project, mode: str) -> None:
    mod = project.load("rem", COLORS)
    red, green = mod.Color.RED, mod.Color.GREEN
    result = project.reload("rem", COLORS.replace("    GREEN = 2\n", ""), ReloadOptions(mode=mode))
    assert list(mod.Color) == [red]
    assert "Color.GREEN" in result.removed
    with pytest.raises(AttributeError):
        mod.Color.GREEN  # noqa: B018
    with pytest.raises(ValueError):
        mod.Color(2)
    assert green.name == "GREEN"
    assert green.value == 2
    assert isinstance(green, mod.Color)
    assert green.label() == "old GREEN"
    assert green is not red


@pytest.mark.parametrize("mode", MODES)
def test_methods_change_on_the_held_members(project: Project, mode: str) -> None:
    mod = project.load("meth", COLORS)
    held = mod.Color.RED
    new = COLORS.replace('"old "', '"new "').replace("    GREEN = 2\n", "    GREEN = 2\n    BLUE = 3\n")
    new += "\n\ndef pick():\n    return Color.BLUE\n"
    project.reload("meth", new, ReloadOptions(mode=mode))
    assert held.label() == "new RED"
    assert mod.Color.BLUE.label() == "new BLUE"
    assert mod.pick() is mod.Color.BLUE
    assert held is mod.Color.RED


def test_int_enum_added_member_and_changed_value(project: Project) -> None:
    src = "import enum\n\n\nclass Level(enum.IntEnum):\n    LOW = 1\n    HIGH = 3\n"
    mod = project.load("lvl", src)
    low, high = mod.Level.LOW, mod.Level.HIGH
    project.reload("lvl", src.replace("    HIGH = 3\n", "    MID = 2\n    HIGH = 3\n"))
    assert low is mod.Level.LOW
    assert mod.Level(1) is low
    assert isinstance(low, mod.Level)
    assert mod.Level.MID == 2
    assert isinstance(mod.Level.MID, mod.Level)
    assert high > mod.Level.MID
    result = project.reload("lvl", src.replace("    HIGH = 3\n", "    MID = 2\n    HIGH = 30\n"))
    # an int member is its value: it cannot change in place, so HIGH is a new member now
    assert mod.Level.HIGH == 30
    assert mod.Level(30) is mod.Level.HIGH
    assert high == 3
    assert any("Level.HIGH" in w and "3 -> 30" in w for w in result.warnings), result.warnings
    assert low is mod.Level.LOW


def test_flag_added_member(project: Project) -> None:
    src = "import enum\n\n\nclass Perm(enum.Flag):\n    R = 1\n    W = 2\n"
    mod = project.load("flag", src)
    r, rw = mod.Perm.R, mod.Perm.R | mod.Perm.W
    project.reload("flag", src + "    X = 4\n")
    assert r is mod.Perm.R
    assert mod.Perm(1) is r
    assert rw is (mod.Perm.R | mod.Perm.W)
    assert mod.Perm(7) == mod.Perm.R | mod.Perm.W | mod.Perm.X
    assert mod.Perm.X in mod.Perm(5)
    assert [p.name for p in mod.Perm] == ["R", "W", "X"]


def test_failed_reload_leaves_the_enum_as_it_was(project: Project) -> None:
    mod = project.load("bad", COLORS)
    held = mod.Color.RED
    project.edit(
        "bad",
        COLORS.replace("RED = 1", "RED = 10").replace("    GREEN = 2\n", "    BLUE = 3\n")
        + "\nraise RuntimeError('boom')\n",
    )
    result = reload_file(project.path("bad"))  # diff mode: the enum is patched before the raise
    assert not result.ok
    assert "boom" in (result.error or "")
    assert [c.name for c in mod.Color] == ["RED", "GREEN"]
    assert mod.Color(1) is held
    assert held.value == 1
    assert mod.Color.GREEN.value == 2
    assert not hasattr(mod.Color, "BLUE")


def test_enum_whose_base_changed_is_still_rebuilt(project: Project) -> None:
    mod = project.load("base", COLORS)
    held = mod.Color.RED
    result = project.reload("base", COLORS.replace("(enum.Enum)", "(enum.IntEnum)"))
    assert issubclass(mod.Color, int)
    assert mod.Color.RED == 1
    assert not isinstance(held, mod.Color)  # a different kind of enum: its members cannot be kept
    assert any("stay old members" in w for w in result.warnings)
    assert isinstance(held, enum.Enum)


def test_aliases_and_members_with_attributes(project: Project) -> None:
    src = """
import enum


class Planet(enum.Enum):
    MERCURY = (3.3e23, 2.4e6)
    EARTH = (5.9e24, 6.3e6)

    def __init__(self, mass, radius):
        self.mass = mass
        self.radius = radius
"""
    mod = project.load("planet", src)
    earth = mod.Planet.EARTH
    new = src.replace("(5.9e24, 6.3e6)", "(5.97e24, 6.37e6)\n    HOME = (5.97e24, 6.37e6)")
    result = project.reload("planet", new)
    assert earth is mod.Planet.EARTH
    assert mod.Planet.HOME is earth
    assert earth.mass == 5.97e24
    assert earth.value == (5.97e24, 6.37e6)
    assert mod.Planet((5.97e24, 6.37e6)) is earth
    assert [p.name for p in mod.Planet] == ["MERCURY", "EARTH"]
    assert any("Planet.EARTH" in w and "value changed" in w for w in result.warnings)


def test_enum_nested_in_a_class(project: Project) -> None:
    src = "import enum\n\n\nclass Outer:\n    class Color(enum.Enum):\n        RED = 1\n        GREEN = 2\n"
    mod = project.load("nest", src)
    held, Color = mod.Outer.Color.RED, mod.Outer.Color
    project.reload("nest", src + "        BLUE = 3\n")
    assert mod.Outer.Color is Color
    assert held is Color.RED
    assert Color(1) is held
    assert [c.name for c in Color] == ["RED", "GREEN", "BLUE"]
    assert isinstance(Color.BLUE, Color)


@pytest.mark.parametrize("mode", MODES)
def test_enum_without_a_recorded_source(project: Project, mode: str) -> None:
    mod = project.load("norec", COLORS)
    held = mod.Color.RED
    real = realpath(str(project.path("norec")))
    forget_source(real)
    linecache.cache.pop(real, None)
    linecache.cache.pop(str(project.path("norec")), None)
    result = project.reload(
        "norec", COLORS.replace("    GREEN = 2\n", "    GREEN = 2\n    BLUE = 3\n"), ReloadOptions(mode=mode)
    )
    assert any("not recorded" in w for w in result.warnings) or mode == "module"
    assert held is mod.Color.RED
    assert isinstance(mod.Color.BLUE, mod.Color)
    assert [c.name for c in mod.Color] == ["RED", "GREEN", "BLUE"]
    assert "Color" in result.changed


@pytest.mark.parametrize("mode", MODES)
def test_reloads_in_a_row_keep_every_member_that_stays(project: Project, mode: str) -> None:
    def colors(members: str, red: int = 1) -> str:
        return COLORS.replace("    RED = 1\n    GREEN = 2\n", f"    RED = {red}\n" + members)

    mod = project.load("row", COLORS)
    red, green, Color = mod.Color.RED, mod.Color.GREEN, mod.Color
    project.reload("row", colors("    GREEN = 2\n    BLUE = 3\n"), ReloadOptions(mode=mode))
    blue = Color.BLUE
    project.reload(
        "row", colors("    GREEN = 2\n    BLUE = 3\n    PINK = 4\n", red=5), ReloadOptions(mode=mode)
    )
    project.reload("row", colors("    BLUE = 3\n"), ReloadOptions(mode=mode))
    assert mod.Color is Color
    assert list(Color) == [red, blue]
    assert red.value == 1
    assert Color(3) is blue
    assert not hasattr(Color, "PINK")
    assert not hasattr(Color, "GREEN")
    assert green.value == 2
    project.reload("row", colors("    GREEN = 2\n    BLUE = 3\n"), ReloadOptions(mode=mode))
    assert Color.GREEN is not green
    assert list(Color) == [red, Color.GREEN, blue]
