"""In-place patching, so every reference sees the new code."""

from __future__ import annotations

import asyncio
import functools
import sys

from dapper_tui.engine.hotreload import ReloadOptions, running_old_code, source_of

from .conftest import Parked, Project

CLASSES = """
class Base:
    def hello(self):
        return "base"


class Widget(Base):
    kind = "plain"

    def __init__(self):
        self._size = 1

    def render(self):
        return "old render"

    @classmethod
    def create(cls):
        return ("old create", cls)

    @staticmethod
    def helper():
        return "old helper"

    @property
    def size(self):
        return self._size

    @size.setter
    def size(self, value):
        self._size = value

    def gone(self):
        return "gone soon"
"""

CLASSES_NEW = (
    CLASSES.replace('"old render"', '"new render"')
    .replace('("old create", cls)', '("new create", cls)')
    .replace('"old helper"', '"new helper"')
    .replace("return self._size\n", "return self._size * 10\n")
    .replace("self._size = value", "self._size = value + 1")
    .replace('    def gone(self):\n        return "gone soon"\n', "")
    .replace('kind = "plain"', 'kind = "fancy"')
    + "\n    def hello(self):\n        return 'sub ' + super().hello()\n"
)


def test_methods_classmethods_staticmethods_properties(project: Project) -> None:
    mod = project.load("cls", CLASSES)
    w = mod.Widget()
    bound = w.render  # a bound method held before the reload
    Widget = mod.Widget
    result = project.reload("cls", CLASSES_NEW)
    assert mod.Widget is Widget
    assert isinstance(w, mod.Widget)
    assert bound() == "new render"
    assert mod.Widget.create() == ("new create", Widget)
    assert w.helper() == "new helper"
    w.size = 4
    assert w._size == 5
    assert w.size == 50
    assert w.hello() == "sub base"  # an added method that uses zero-argument super()
    assert Widget.kind == "fancy"
    assert not hasattr(w, "gone")
    assert "Widget.gone" in result.removed
    assert "Widget.hello" in result.added
    assert {"Widget.render", "Widget.create", "Widget.helper", "Widget.size", "Widget.kind"} <= set(
        result.changed
    )
    assert result.patchedClasses == 1
    assert result.patchedInstances == 0  # nothing was done to an instance: they see the class


ALIASES = """
REGISTRY = {}
CALLBACKS = []


def register(fn):
    REGISTRY[fn.__name__] = fn
    CALLBACKS.append(fn)
    return fn


@register
def handler(x):
    return f"old {x}"


def plain(x):
    return x
"""


def test_aliases_in_other_modules_and_callbacks_in_containers(project: Project) -> None:
    mod = project.load("reg", ALIASES)
    user = project.load(
        "user", "from MOD_reg import handler, plain\n\ndef use():\n    return handler(1), plain(2)\n"
    )
    partial = functools.partial(mod.handler, 3)
    table = {"h": mod.handler}
    result = project.reload(
        "reg", ALIASES.replace('f"old {x}"', 'f"new {x}"').replace("return x\n", "return -x\n")
    )
    assert user.use() == ("new 1", -2)
    assert mod.REGISTRY["handler"](1) == "new 1"
    assert mod.CALLBACKS[0](1) == "new 1"
    assert len(mod.CALLBACKS) == 1
    assert partial() == "new 3"
    assert table["h"](4) == "new 4"
    assert set(result.changed) == {"handler", "plain"}


DECORATED = """
import functools


def logged(fn):
    @functools.wraps(fn)
    def inner(*a):
        return fn(*a)
    return inner


def twice(fn):
    @functools.wraps(fn)
    def inner(*a):
        return fn(*a)
    return inner


@logged
@twice
def stacked(x):
    return x + 1


@functools.lru_cache(maxsize=None)
def cached(x):
    return x * 10
"""


def test_decorated_through_wrapped_chains(project: Project) -> None:
    mod = project.load("deco", DECORATED)
    stacked, cached = mod.stacked, mod.cached
    assert stacked.__wrapped__.__wrapped__(1) == 2
    project.reload("deco", DECORATED.replace("return x + 1", "return x + 1000").replace("x * 10", "x * 20"))
    assert stacked(1) == 1001
    assert mod.stacked is stacked
    assert stacked.__wrapped__.__wrapped__(1) == 1001
    assert cached(2) == 40
    assert mod.cached is cached


CLOSURES = """
def make_counter(start):
    count = start

    def step():
        nonlocal count
        count += 1
        return count

    return step


def make_scaler(factor):
    def scale(x):
        return x * factor
    return scale
"""


def test_closures_same_free_variables_and_mismatch_warning(project: Project) -> None:
    mod = project.load("clo", CLOSURES)
    counter, scaler = mod.make_counter(10), mod.make_scaler(2)
    assert counter() == 11
    new = (
        CLOSURES.replace("count += 1", "count += 5")
        .replace("        return x * factor", "        return x * factor + offset")
        .replace("def make_scaler(factor):", "def make_scaler(factor, offset=0):")
    )
    result = project.reload("clo", new)
    assert counter() == 16  # same free variable: the old closure (and its state) runs the new code
    assert scaler(3) == 6  # free variables changed: it keeps the old code, and a warning names it
    assert any("make_scaler.<locals>.scale" in w and "free variables" in w for w in result.warnings)
    assert mod.make_scaler(2, 1)(3) == 7


def test_closure_created_after_a_reload_is_patched_by_the_next(project: Project) -> None:
    mod = project.load("clo2", CLOSURES)
    project.reload("clo2", CLOSURES.replace("count += 1", "count += 2"))
    later = mod.make_counter(0)
    assert later() == 2
    project.reload("clo2", CLOSURES.replace("count += 1", "count += 3"))
    assert later() == 5


ASYNC = """
async def fetch(x):
    return ("old", x)


def numbers():
    yield "old-1"
    yield "old-2"
    yield "old-3"
"""


def test_async_functions_and_generators(project: Project) -> None:
    mod = project.load("gen", ASYNC)
    fetch, numbers = mod.fetch, mod.numbers
    suspended = numbers()
    assert next(suspended) == "old-1"
    result = project.reload(
        "gen", ASYNC.replace('"old"', '"new"').replace('"old-', '"new-'), frames=[suspended.gi_frame]
    )
    assert asyncio.run(fetch(1)) == ("new", 1)
    assert list(numbers()) == ["new-1", "new-2", "new-3"]
    assert next(suspended) == "old-2"  # a suspended generator keeps its old code...
    assert any("numbers" in w and "old code" in w for w in result.warnings)  # ...and the result says so
    assert any("fetch" in w and "coroutines" in w for w in result.warnings)
    assert running_old_code(suspended.gi_frame)
    assert 'yield "old-2"' in (source_of(suspended.gi_frame.f_code) or "")
    assert result.updatedFrameCodes == 0


NEW_AND_REMOVED = """
def keep():
    return 1


def drop():
    return 2


class Old:
    pass
"""


def test_new_definitions_available_and_removed_reported(project: Project) -> None:
    mod = project.load("nr", NEW_AND_REMOVED)
    new = NEW_AND_REMOVED.replace("def drop():\n    return 2\n", "def fresh():\n    return keep() + 10\n")
    new = new.replace(
        "class Old:\n    pass\n", "class Brand:\n    def x(self):\n        return 'new class'\n"
    )
    result = project.reload("nr", new)
    assert mod.fresh() == 11
    assert mod.Brand().x() == "new class"
    assert not hasattr(mod, "drop")
    assert not hasattr(mod, "Old")
    assert set(result.added) == {"fresh", "Brand"}
    assert set(result.removed) == {"drop", "Old"}


FRAMES = """
import functools


def deco_a(fn):
    @functools.wraps(fn)
    def wrapper_a(*a):
        return ("a", fn(*a))
    return wrapper_a


def deco_b(fn):
    @functools.wraps(fn)
    def wrapper_b(*a):
        return ("b", fn(*a))
    return wrapper_b


@deco_a
def tool(x):
    return x


class Model:
    def speak(self):
        return "old"


def worker(ready, event):
    local_tool = tool
    local_cls = Model
    untouched = 42
    ready.set()
    event.wait(10)
    return local_tool(1), local_cls, untouched


def idle(ready, event):
    value = 7
    ready.set()
    event.wait(10)
    return value
"""


def test_frame_locals_rebound_on_a_live_frame(project: Project) -> None:
    mod = project.load("fr", FRAMES)
    busy, quiet = Parked(mod.worker), Parked(mod.idle)
    new = FRAMES.replace("@deco_a\ndef tool", "@deco_b\ndef tool").replace(
        "class Model:", "class Model(dict):"
    )
    result = project.reload("fr", new, frames=[busy.frame, quiet.frame])
    assert result.reboundFrames == 1  # only the frame whose locals really changed
    called, cls, untouched = busy.release()
    assert called == ("b", 1)  # the local now holds the re-decorated function
    assert cls is mod.Model
    assert issubclass(cls, dict)
    assert untouched == 42
    assert quiet.release() == 7


def test_rebind_off_leaves_locals(project: Project) -> None:
    mod = project.load("fr2", FRAMES)
    busy = Parked(mod.worker)
    new = FRAMES.replace("@deco_a\ndef tool", "@deco_b\ndef tool")
    result = project.reload("fr2", new, frames=[busy.frame], options=ReloadOptions(rebindFrameLocals=False))
    assert result.reboundFrames == 0
    called, _, _ = busy.release()
    assert called == ("a", 1)


def test_frame_running_old_code_is_reported_and_its_source_kept(project: Project) -> None:
    src = "def park_here(ready, event):\n    ready.set()\n    event.wait(10)\n    return 'old'\n"
    mod = project.load("old", src)
    parked = Parked(mod.park_here)
    frame = parked.frame
    while frame is not None and frame.f_code.co_name != "park_here":
        frame = frame.f_back
    assert frame is not None
    result = project.reload("old", "\n\n" + src.replace("'old'", "'new'"), frames=[parked.frame])
    assert result.updatedFrameCodes == 0
    assert any("keep running their old code" in w and "park_here" in w for w in result.warnings)
    assert any("updateFrameCode" in w for w in result.warnings)
    assert running_old_code(frame)
    assert source_of(frame.f_code) == src
    assert parked.release() == "old"  # the running frame finishes with the code it started with
    assert mod.park_here.__code__ is not frame.f_code
    quiet = project.reload(
        "old", "\n\n" + src.replace("'old'", "'newer'"), options=ReloadOptions(updateFrameCode=False)
    )
    assert not any("updateFrameCode" in w for w in quiet.warnings)


def test_patch_class_instances_off_keeps_instances_on_old_class(project: Project) -> None:
    mod = project.load("pci", FRAMES)
    m = mod.Model()
    result = project.reload(
        "pci",
        FRAMES.replace("class Model:", "class Model(dict):"),
        options=ReloadOptions(patchClassInstances=False),
    )
    assert result.patchedInstances == 0
    assert not isinstance(m, mod.Model)
    assert any("keep the old class" in w for w in result.warnings)


NESTED = """
def outer():
    def inner():
        return "old inner"
    return inner
"""


def test_nested_functions(project: Project) -> None:
    mod = project.load("nest", NESTED)
    inner = mod.outer()
    project.reload("nest", NESTED.replace("old inner", "new inner"))
    assert inner() == "new inner"
    assert mod.outer()() == "new inner"


def test_sys_modules_untouched_by_patching(project: Project) -> None:
    mod = project.load("sm", NESTED)
    project.reload("sm", NESTED.replace("old inner", "x"))
    assert sys.modules[mod.__name__] is mod
