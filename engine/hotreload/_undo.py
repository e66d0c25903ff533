"""Undo of what a failed reload's re-run statements changed in place, in objects the module already held.

Restoring the module namespace (``_transaction``) brings back every name's old binding, but not the contents of
the old objects: a new top-level ``STATE["n"] = -1`` followed by a ``raise`` would leave ``-1`` in the dict the
module keeps. So before any statement runs, the reload takes shallow snapshots of the existing objects the
statements it is about to run may change in place, and a rollback puts back the contents of those that differ.

What counts as touched (read from the statements' syntax, only what runs when they run: decorators, defaults,
class bodies, comprehensions; never the body of a def or a lambda), each resolved in the module as it is before
the reload, without calling anything (no properties, no ``__getitem__`` of custom types):

- the object written through: ``X[k] = v``, ``X.a = v``, ``del X[k]``, ``X.a.b[1] = v`` (the object ``X.a.b``),
  and ``X += v`` (a list grows in place);
- the receiver of a method call, ``X.append(v)``, ``X.cfg.update(...)``, and an argument that names an object,
  ``register(X)``, ``setattr(X, "a", 1)``;
- the module-level objects a function of this module reads, when a statement calls it (or uses it as a
  decorator), and the functions it calls in turn; a class of this module called or subclassed: its
  ``__init__``, ``__new__``, ``__post_init__`` and ``__init_subclass__``.

The snapshot of an object is shallow: a dict's items, a list's, set's, deque's or bytearray's elements, an
instance's, function's or class's ``__dict__``. An object with a ``__dict__`` (not a module) also gets its direct
members that are containers or objects with a ``__dict__`` snapshot, so ``APP.routes.append(...)`` inside
``APP.route`` is undone too; so does an object reached through a key that cannot be read without running code
(``STATE[key]["n"] = 1``). The cost is the size of what the statements name, never the size of the module: a
diff reload that re-runs one statement copies only the objects that statement names.

Not undone (they stay as the failed statements left them): objects reached deeper than that, objects changed
through a callable of another module (a library's registry filled by its own function), objects without a
``__dict__`` (``__slots__``), state in C extensions, files, sockets and other processes.
"""

from __future__ import annotations

import ast
import collections
import inspect
from collections.abc import Callable, Iterable, Iterator
from types import (
    CodeType,
    FunctionType,
    GetSetDescriptorType,
    MemberDescriptorType,
    MethodType,
    ModuleType,
)
from typing import Any

from ._journal import Journal

_MISSING = object()
_SCALARS = (int, float, complex, str, bytes, bool, type(None), tuple, frozenset, range)
_DESCRIPTORS = (property, classmethod, staticmethod, GetSetDescriptorType, MemberDescriptorType)
_MAX_FUNCTIONS = 256  # functions analysed per statement list: a bound, not a limit anyone meets


class _Snapshot:
    """The contents of one object before the reload; ``restore`` puts them back if they differ."""

    __slots__ = ("label", "obj", "saved")

    def __init__(self, label: str, obj: Any, saved: Any) -> None:
        self.label = label
        self.obj = obj
        self.saved = saved

    def restore(self) -> bool:
        obj, saved = self.obj, self.saved
        if isinstance(obj, type):
            now = dict(vars(obj))
            changed = False
            for key in [k for k in now if k not in saved]:
                delattr(obj, key)
                changed = True
            for key, value in saved.items():
                if now.get(key, _MISSING) is not value:
                    setattr(obj, key, value)
                    changed = True
            return changed
        if isinstance(obj, dict):
            return _restore_dict(obj, saved, keep_order=True)
        d = _instance_dict(obj)
        if d is not None:  # key by key: a module's dict is never empty, even for a moment
            return _restore_dict(d, saved, keep_order=False)
        if isinstance(obj, (set, collections.deque, list, bytearray)):
            if isinstance(obj, set):
                if len(obj) == len(saved) and all(x in obj for x in saved):
                    return False
                obj.clear()
                obj.update(saved)
                return True
            if isinstance(obj, bytearray):
                if obj == saved:
                    return False
                obj[:] = saved
                return True
            if len(obj) == len(saved) and all(a is b for a, b in zip(obj, saved, strict=True)):
                return False
            if isinstance(obj, list):
                obj[:] = saved
            else:
                obj.clear()
                obj.extend(saved)
            return True
        return False


def _restore_dict(d: dict[Any, Any], saved: list[tuple[Any, Any]], keep_order: bool) -> bool:
    if _same_pairs(list(d.items()), saved):
        return False
    before = dict(saved)
    for key in [k for k in d if k not in before]:
        del d[key]
    for key, value in saved:
        if d.get(key, _MISSING) is not value:
            d[key] = value
    if keep_order and list(d) != list(before):  # a key removed and added again: the old order too
        d.clear()
        d.update(saved)
    return True


def _same_pairs(a: list[tuple[Any, Any]], b: list[tuple[Any, Any]]) -> bool:
    return len(a) == len(b) and all(x[0] is y[0] and x[1] is y[1] for x, y in zip(a, b, strict=True))


def _instance_dict(obj: Any) -> dict[str, Any] | None:
    """The real ``__dict__`` of an instance, function or module, read without calling the object's code."""
    if isinstance(obj, type):
        return None
    try:
        d = object.__getattribute__(obj, "__dict__")
    except Exception:
        return None
    return d if type(d) is dict else None


def _take(obj: Any) -> Any:
    """A shallow copy of the contents of ``obj``, or _MISSING when there is nothing of it to undo."""
    if isinstance(obj, (*_SCALARS, MethodType, CodeType)):
        return _MISSING
    try:
        if isinstance(obj, type):
            return dict(vars(obj))
        if isinstance(obj, dict):
            return list(obj.items())
        if isinstance(obj, set):
            return set(obj)
        if isinstance(obj, bytearray):
            return bytes(obj)
        if isinstance(obj, (list, collections.deque)):
            return list(obj)
        d = _instance_dict(obj)
        if d is not None:
            return list(d.items())
    except Exception:  # an object whose contents cannot be read without running its code
        return _MISSING
    return _MISSING


def _members(obj: Any) -> Iterable[Any]:
    """The direct members of ``obj`` that a one-level-deeper snapshot covers."""
    try:
        if isinstance(obj, type):
            values: Iterable[Any] = list(vars(obj).values())
        elif isinstance(obj, dict):
            values = list(obj.values())
        elif isinstance(obj, (list, set, collections.deque)):
            values = list(obj)
        else:
            d = _instance_dict(obj)
            values = list(d.values()) if d is not None else []
    except Exception:
        return []
    return [
        v
        for v in values
        if not isinstance(v, (type, ModuleType, FunctionType, MethodType, *_SCALARS, *_DESCRIPTORS))
    ]


class InPlaceUndo:
    """The snapshots of one reload. ``protect`` before statements run; the journal calls ``restore`` on failure."""

    def __init__(self, journal: Journal) -> None:
        self._snaps: list[_Snapshot] = []
        self._seen: set[int] = set()
        self.restored: list[str] = []  # what a rollback put back, by the name the source gave it
        self.copied = 0  # elements copied: the price of the snapshots
        self.unread = 0  # statements whose objects could not be read (what they change is not undone)
        journal.on_undo(self._restore)

    def summary(self, shown: int = 5) -> str:
        names = self.restored
        return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")

    def protect(self, ns: dict[str, Any], nodes: Iterable[ast.stmt]) -> None:
        """Snapshot what running ``nodes`` in ``ns`` may change in place (see the module doc)."""
        finder = _Touched(ns, self._snapshot)
        for node in nodes:
            try:
                finder.statement(node)
            except Exception:  # a best effort: an object that cannot be read is not a reason to refuse
                self.unread += 1

    def _snapshot(self, label: str, obj: Any, deep: bool) -> None:
        if id(obj) not in self._seen:
            saved = _take(obj)
            if saved is _MISSING:
                return
            self._seen.add(id(obj))
            self._snaps.append(_Snapshot(label, obj, saved))
            self.copied += len(saved)
        if deep and not isinstance(obj, ModuleType):
            for member in _members(obj):
                self._snapshot(label, member, False)

    def _restore(self) -> None:
        problems = []
        for snap in reversed(self._snaps):
            try:
                if snap.restore() and snap.label not in self.restored:
                    self.restored.append(snap.label)
            except Exception as exc:
                problems.append(f"{snap.label}: {type(exc).__name__}: {exc}")
        self.restored.reverse()
        if problems:
            raise RuntimeError("; ".join(problems))


def _executed(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``node`` that run when it runs (not the bodies of defs and lambdas)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            todo.extend(n.decorator_list)
            todo.append(n.args)
            if n.returns is not None:
                todo.append(n.returns)
        elif isinstance(n, ast.Lambda):
            todo.append(n.args)
        else:
            todo.extend(ast.iter_child_nodes(n))


def _chain(node: ast.expr) -> bool:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return isinstance(node, ast.Name)


class _Touched:
    """Finds the objects the statements may change in place, and hands each to ``snapshot(label, obj, deep)``."""

    def __init__(self, ns: dict[str, Any], snapshot: Callable[[str, Any, bool], None]) -> None:
        self.ns = ns
        self.snapshot = snapshot
        self.functions: set[int] = set()

    def statement(self, node: ast.stmt) -> None:
        for n in _executed(node):
            if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, (ast.Store, ast.Del)):
                self.site(n.value)
            elif isinstance(n, ast.AugAssign):
                self.site(n.target)
            elif isinstance(n, ast.Call):
                self.call(n.func)
                for arg in [*n.args, *(k.value for k in n.keywords)]:
                    if isinstance(arg, ast.Starred):
                        arg = arg.value
                    if _chain(arg):
                        self.site(arg)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for deco in n.decorator_list:
                    if not isinstance(deco, ast.Call):  # a call is found as a call
                        self.call(deco)
                if isinstance(n, ast.ClassDef):
                    for base in n.bases:
                        self.subclassed(base)

    def call(self, func: ast.expr) -> None:
        if isinstance(func, ast.Attribute):
            self.site(func.value)
        if _chain(func):
            obj, done = self.resolve(func)
            if done:
                self.callee(obj)

    def subclassed(self, base: ast.expr) -> None:
        if not _chain(base):
            return
        obj, done = self.resolve(base)
        if done and isinstance(obj, type):
            self.snapshot(_label(base), obj, True)
            for klass in obj.__mro__:
                self.callee(vars(klass).get("__init_subclass__"))

    def site(self, node: ast.expr) -> None:
        """``node`` names an object that may be changed in place: snapshot it, with its members when it is an
        object with a ``__dict__``, or when the name could not be followed to its end."""
        if not _chain(node):
            return
        obj, done = self.resolve(node)
        if obj is not _MISSING:
            deep = not done or isinstance(obj, type) or _instance_dict(obj) is not None
            self.snapshot(_label(node), obj, deep)

    def resolve(self, node: ast.expr) -> tuple[Any, bool]:
        """The object ``node`` names before the reload, as far as it can be followed without running code:
        (the object, True) or (the last object reached, False); (_MISSING, False) for an unknown name."""
        path: list[ast.Attribute | ast.Subscript] = []
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            path.append(node)
            node = node.value
        assert isinstance(node, ast.Name)
        obj = self.ns.get(node.id, _MISSING)
        if obj is _MISSING:
            return _MISSING, False
        for step in reversed(path):
            nxt = _attribute(obj, step.attr) if isinstance(step, ast.Attribute) else _item(obj, step.slice)
            if nxt is _MISSING:
                return obj, False
            obj = nxt
        return obj, True

    def callee(self, obj: Any) -> None:
        """A function of this module (or a class of it) is called: snapshot the module-level objects it reads."""
        todo = [obj]
        while todo:
            o = todo.pop()
            if isinstance(o, (staticmethod, classmethod, MethodType)):
                o = o.__func__
            if isinstance(o, type):
                if o.__module__ == self.ns.get("__name__"):
                    for klass in o.__mro__:
                        for name in ("__init__", "__new__", "__post_init__"):
                            todo.append(vars(klass).get(name))
                continue
            if type(o) is not FunctionType or o.__globals__ is not self.ns or id(o) in self.functions:
                continue
            if len(self.functions) >= _MAX_FUNCTIONS:
                return
            self.functions.add(id(o))
            for name in _names(o.__code__):
                value = self.ns.get(name, _MISSING)
                if value is _MISSING or isinstance(value, ModuleType):
                    continue
                if type(value) is FunctionType or isinstance(value, type):
                    todo.append(value)
                else:
                    self.snapshot(name, value, True)
            wrapped = _instance_dict(o) or {}
            todo.append(wrapped.get("__wrapped__"))


def _label(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _names(code: CodeType) -> set[str]:
    names: set[str] = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


def _attribute(obj: Any, name: str) -> Any:
    try:
        value = inspect.getattr_static(obj, name)
    except AttributeError:
        return _MISSING
    except Exception:
        return _MISSING
    if isinstance(value, _DESCRIPTORS) and not isinstance(obj, type):
        return _MISSING  # a property or slot: reading it runs code
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    return value


def _item(obj: Any, key_node: ast.expr) -> Any:
    try:
        key = ast.literal_eval(key_node)
    except Exception:
        return _MISSING  # a key computed by the statements: not followed
    try:
        if isinstance(obj, dict):
            return dict.get(obj, key, _MISSING)
        if isinstance(obj, (list, tuple)) and type(key) is int and -len(obj) <= key < len(obj):
            return list.__getitem__(obj, key) if isinstance(obj, list) else tuple.__getitem__(obj, key)
    except Exception:
        return _MISSING
    return _MISSING
