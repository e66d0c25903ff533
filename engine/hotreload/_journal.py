"""Every change a reload makes to a live object, recorded so that a failure can undo all of it."""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

_MISSING = object()


class Journal:
    def __init__(self) -> None:
        self._undo: list[Callable[[], object]] = []

    def __len__(self) -> int:
        return len(self._undo)

    def set_function(self, fn: FunctionType, **attrs: Any) -> None:
        before = {name: getattr(fn, name) for name in attrs}
        if "__annotations__" in before:
            before["__annotations__"] = dict(before["__annotations__"])

        def undo() -> None:
            for name, value in before.items():
                setattr(fn, name, value)

        self._undo.append(undo)
        for name, value in attrs.items():
            setattr(fn, name, value)

    def setattr(self, obj: Any, name: str, value: Any) -> None:
        owner_dict = obj.__dict__
        before = owner_dict.get(name, _MISSING)

        def undo() -> None:
            if before is _MISSING:
                if name in obj.__dict__:
                    delattr(obj, name)
            else:
                setattr(obj, name, before)

        self._undo.append(undo)
        setattr(obj, name, value)

    def delattr(self, obj: Any, name: str) -> None:
        before = obj.__dict__[name]
        self._undo.append(lambda: setattr(obj, name, before))
        delattr(obj, name)

    def set_class(self, obj: Any, cls: type) -> None:
        before = obj.__class__
        obj.__class__ = cls

        def undo() -> None:
            obj.__class__ = before

        self._undo.append(undo)

    def set_bases(self, cls: type, bases: tuple[type, ...]) -> None:
        before = cls.__bases__
        cls.__bases__ = bases

        def undo() -> None:
            cls.__bases__ = before

        self._undo.append(undo)

    def set_item(self, d: dict[Any, Any], key: Any, value: Any) -> None:
        before = d.get(key, _MISSING)

        def undo() -> None:
            if before is _MISSING:
                d.pop(key, None)
            else:
                d[key] = before

        self._undo.append(undo)
        d[key] = value

    def on_undo(self, fn: Callable[[], object]) -> None:
        self._undo.append(fn)

    def rollback(self) -> list[str]:
        """Undo everything, newest first; returns what could not be undone."""
        problems = []
        while self._undo:
            undo = self._undo.pop()
            try:
                undo()
            except Exception as exc:  # keep undoing the rest
                problems.append(f"{type(exc).__name__}: {exc}")
        return problems
