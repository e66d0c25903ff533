"""Shapes around the table: subclasses elsewhere, enums, comment-only edits, repeated reloads."""

from __future__ import annotations

from dapper_tui.engine.hotreload import ReloadOptions, reload_file

from .conftest import Project

BASE = """
class Mixin:
    def tag(self):
        return "mixin"


class Base:
    def who(self):
        return "base"
"""


def test_rebuilt_class_subclasses_and_aliases_in_other_modules(project: Project) -> None:
    base = project.load("base", BASE)
    child_mod = project.load(
        "child",
        "from MOD_base import Base\n\n\nclass Child(Base):\n    def who(self):\n        return 'child'\n",
    )
    kid = child_mod.Child()
    project.edit("base", BASE.replace("class Base:", "class Base(Mixin):"))
    result = reload_file(project.path("base"))
    assert result.ok, result.error
    assert child_mod.Base is base.Base  # the alias now names the rebuilt class
    assert child_mod.Child.__bases__ == (base.Base,)
    assert isinstance(kid, base.Base)
    assert kid.tag() == "mixin"
    assert kid.who() == "child"


def test_comment_only_edit_changes_nothing(project: Project) -> None:
    src = "STATE = []\n\n\ndef f():\n    return 1  # one\n"
    mod = project.load("cmt", src)
    mod.STATE.append("kept")
    project.edit("cmt", src.replace("# one", "# uno"))
    result = reload_file(project.path("cmt"))
    assert result.ok
    assert result.changed == []
    assert result.added == []
    assert result.removed == []
    assert mod.STATE == ["kept"]
    assert mod.f() == 1


def test_many_reloads_in_a_row_keep_one_identity(project: Project) -> None:
    src = "class K:\n    def v(self):\n        return 0\n\n\ndef f():\n    return 0\n"
    mod = project.load("many", src)
    f, k = mod.f, mod.K()
    for i in range(1, 6):
        project.edit("many", src.replace("return 0", f"return {i}"))
        for mode in ("diff", "module"):
            result = reload_file(project.path("many"), ReloadOptions(mode=mode))  # type: ignore[arg-type]
            assert result.ok, result.error
        assert f() == i
        assert k.v() == i
        assert mod.f is f
        assert isinstance(k, mod.K)
