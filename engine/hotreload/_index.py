"""Which live function objects run code from a file, by qualified name.

Built with one walk of the garbage collector's objects the first time a file is reloaded (cost: one pass over
every tracked object, about 10-40 ms for a few hundred thousand objects), then kept up to date without another
full walk: after each reload the module's namespace (functions, ``__wrapped__`` chains, class members) is
re-indexed, and the two young GC generations are walked for functions created since (closures made by new
calls). Entries are weak references, so the index never keeps a function alive.

Known gap: a nested function (closure) created after a reload and already promoted to the oldest GC generation
by the next reload is not found (``refresh()`` does a full walk on demand).
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterable
from types import FunctionType
from typing import Any

from ._sources import realpath


class CodeIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, dict[str, weakref.WeakSet[FunctionType]]] = {}

    def __contains__(self, real: str) -> bool:
        return real in self._files

    def _add(self, table: dict[str, weakref.WeakSet[FunctionType]], fn: FunctionType) -> None:
        q = fn.__code__.co_qualname
        s = table.get(q)
        if s is None:
            s = table[q] = weakref.WeakSet()
        s.add(fn)

    def _walk(self, real: str, objects: Iterable[object]) -> None:
        table = self._files.setdefault(real, {})
        names: dict[str, bool] = {}
        for o in objects:
            if type(o) is FunctionType:
                fname = o.__code__.co_filename
                hit = names.get(fname)
                if hit is None:
                    hit = names[fname] = realpath(fname) == real
                if hit:
                    self._add(table, o)

    def ensure(self, real: str) -> bool:
        """Index the file with one full walk if it is not indexed yet; True if a full walk was done."""
        with self._lock:
            if real in self._files:
                self._walk(real, [*gc.get_objects(generation=0), *gc.get_objects(generation=1)])
                return False
            self._walk(real, gc.get_objects())
            return True

    def refresh(self, real: str) -> None:
        with self._lock:
            self._files.pop(real, None)
            self._walk(real, gc.get_objects())

    def add_namespace(self, real: str, ns: dict[str, Any]) -> None:
        """Index every function reachable from a module namespace: functions, wrappers, class members."""
        with self._lock:
            table = self._files.setdefault(real, {})
            seen: set[int] = set()
            filenames: dict[str, bool] = {}

            def mine(fn: FunctionType) -> bool:
                f = fn.__code__.co_filename
                hit = filenames.get(f)
                if hit is None:
                    hit = filenames[f] = realpath(f) == real
                return hit

            def visit(obj: object, depth: int = 0) -> None:
                if id(obj) in seen or depth > 8:
                    return
                seen.add(id(obj))
                if type(obj) is FunctionType:
                    if mine(obj):
                        self._add(table, obj)
                    wrapped = getattr(obj, "__wrapped__", None)
                    if wrapped is not None:
                        visit(wrapped, depth + 1)
                    for cell in obj.__closure__ or ():
                        try:
                            inner = cell.cell_contents
                        except ValueError:
                            continue
                        if type(inner) is FunctionType:
                            visit(inner, depth + 1)
                elif isinstance(obj, (classmethod, staticmethod)):
                    visit(obj.__func__, depth + 1)
                elif isinstance(obj, property):
                    for f in (obj.fget, obj.fset, obj.fdel):
                        if f is not None:
                            visit(f, depth + 1)
                elif isinstance(obj, type):
                    if obj.__module__ != ns.get("__name__"):
                        return
                    for value in list(vars(obj).values()):
                        visit(value, depth + 1)
                else:
                    wrapped = getattr(obj, "__wrapped__", None) if callable(obj) else None
                    if wrapped is not None and not isinstance(wrapped, type(obj)):
                        visit(wrapped, depth + 1)

            for value in list(ns.values()):
                try:
                    visit(value)
                except Exception:  # a hostile __getattr__ must not break the reload
                    continue

    def add(self, real: str, fns: Iterable[FunctionType]) -> None:
        with self._lock:
            table = self._files.setdefault(real, {})
            for fn in fns:
                self._add(table, fn)

    def live(self, real: str, qualname: str) -> list[FunctionType]:
        with self._lock:
            s = self._files.get(real, {}).get(qualname)
            return list(s) if s else []

    def qualnames(self, real: str) -> list[str]:
        with self._lock:
            return list(self._files.get(real, {}))


INDEX = CodeIndex()
