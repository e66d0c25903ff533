"""A reload whose new top-level code raises leaves no partial effect.

Statements that ran before the ``raise`` may have changed, in place, objects the module keeps across reloads (a
dict, a list, a set, an attribute of an existing object). After "rolled back" their contents are what they were.

Covered: a dict item set, a list append, a set add, an attribute set on an object reached through another
(``APP.settings.level``), an attribute added to an instance, a class attribute, a key a defaultdict makes when
read, a list grown by a function of the module that the new code calls, a decorator of an
existing object that registers the function (``@APP.route``), ``X += [...]`` on a list, a container kept by a
module-mode re-run (``globals().get``). Not covered (documented in ``engine/hotreload/_undo.py``): objects
changed through a function of another module, objects deeper than one level below the named one, ``__slots__``
objects, C-level state.
"""

from __future__ import annotations

import pytest
from dapper_tui.engine.hotreload import ReloadOptions, reload_file

from .conftest import Project

SRC = """
from collections import defaultdict

STATE = {"n": 0}
BUCKETS = defaultdict(list)
ITEMS = []
SEEN = set()
REGISTRY = []


class Settings:
    DEFAULT = 1

    def __init__(self):
        self.level = 1


class App:
    def __init__(self):
        self.settings = Settings()
        self.routes = []

    def route(self, path):
        def deco(fn):
            self.routes.append((path, fn))
            return fn

        return deco


APP = App()


def register(name):
    REGISTRY.append(name)


def version():
    return 1
"""


def _program_state(mod) -> None:
    """What the running program did to the module's objects: a reload must keep it."""
    mod.STATE["n"] = 5
    mod.ITEMS.append("kept")
    mod.SEEN.add("kept")
    mod.REGISTRY.append("kept")
    mod.APP.settings.level = 7


def _unchanged(mod) -> None:
    assert mod.STATE == {"n": 5}
    assert mod.ITEMS == ["kept"]
    assert set(mod.SEEN) == {"kept"}
    assert mod.REGISTRY == ["kept"]
    assert mod.APP.settings.level == 7
    assert mod.APP.routes == []
    assert mod.BUCKETS == {}
    assert mod.Settings.DEFAULT == 1
    assert not hasattr(mod.APP, "extra")
    assert mod.version() == 1


def _failing(body: str) -> str:
    """The old source with new top-level statements, then a raise, and an edited function after them."""
    return (
        SRC.replace("def version():\n    return 1\n", "")
        + body
        + "\nraise RuntimeError('boom')\n\n\ndef version():\n    return 2\n"
    )


@pytest.mark.parametrize(
    ("body", "undone"),
    [
        ('STATE["n"] = -1\n', "STATE"),
        ('ITEMS.append("new")\n', "ITEMS"),
        ('SEEN.add("new")\n', "SEEN"),
        ("APP.settings.level = -1\n", "APP.settings"),
        ('register("new")\n', "REGISTRY"),
        ('ITEMS += ["new"]\n', "ITEMS"),
        ('@APP.route("/new")\ndef view():\n    return "view"\n', "APP"),
        ('STATE["n"] = -1\nITEMS.append("new")\nSEEN.add("new")\nAPP.settings.level = -1\n', "STATE"),
        ('BUCKETS["new"].append(1)\n', "BUCKETS"),
        ("Settings.DEFAULT = -1\n", "Settings"),
        ("APP.extra = 1\n", "APP"),
    ],
    ids=[
        "dict-item",
        "list-append",
        "set-add",
        "nested-attribute",
        "via-function",
        "augassign",
        "decorator",
        "all",
        "defaultdict",
        "class-attribute",
        "new-attribute",
    ],
)
def test_statements_before_a_raise_leave_no_change(project: Project, body: str, undone: str) -> None:
    mod = project.load("undo", SRC)
    _program_state(mod)
    project.edit("undo", _failing(body))
    result = reload_file(project.path("undo"))
    assert not result.ok
    assert "RuntimeError: boom" in (result.error or "")
    assert "rolled back" in (result.error or "")
    _unchanged(mod)
    assert f"in-place changes undone: {undone}" in (result.error or ""), result.error
    # the next good save applies, and the program's state is still there
    project.edit("undo", SRC.replace("return 1", "return 3") + "\nITEMS.append('applied')\n")
    result = reload_file(project.path("undo"))
    assert result.ok, result.error
    assert mod.version() == 3
    assert mod.ITEMS == ["kept", "applied"]
    assert mod.STATE == {"n": 5}


def test_a_reload_that_applies_keeps_its_in_place_changes(project: Project) -> None:
    mod = project.load("undo", SRC)
    _program_state(mod)
    project.edit("undo", SRC + '\nSTATE["n"] = -1\nITEMS.append("new")\nAPP.settings.level = 2\n')
    result = reload_file(project.path("undo"))
    assert result.ok, result.error
    assert mod.STATE == {"n": -1}
    assert mod.ITEMS == ["kept", "new"]
    assert mod.APP.settings.level == 2


def test_module_mode_undoes_a_container_the_re_run_keeps(project: Project) -> None:
    src = 'CACHE = globals().get("CACHE", {})\nSEEN = globals().get("SEEN", set())\n\n\ndef version():\n    return 1\n'
    mod = project.load("undo", src)
    mod.CACHE["k"] = 5
    mod.SEEN.add("kept")
    project.edit("undo", src + 'CACHE["k"] = -1\nSEEN.add("new")\nraise RuntimeError("boom")\n')
    result = reload_file(project.path("undo"), ReloadOptions(mode="module"))
    assert not result.ok
    assert "rolled back" in (result.error or "")
    assert mod.CACHE == {"k": 5}
    assert set(mod.SEEN) == {"kept"}
    assert mod.version() == 1


def test_a_computed_key_is_undone_through_its_container(project: Project) -> None:
    src = 'STATE = {"a": {"n": 0}, "b": {"n": 0}}\n'
    mod = project.load("undo", src)
    mod.STATE["a"]["n"] = 5
    project.edit(
        "undo", src + 'KEY = "a"\nSTATE[KEY]["n"] = -1\nSTATE[KEY]["extra"] = 1\nraise RuntimeError("boom")\n'
    )
    result = reload_file(project.path("undo"))
    assert not result.ok
    assert mod.STATE == {"a": {"n": 5}, "b": {"n": 0}}
    assert "KEY" not in vars(mod)
