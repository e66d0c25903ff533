"""Rewriting locals of live frames.

3.13: ``frame.f_locals`` is a write-through ``FrameLocalsProxy``. 3.11/3.12: ``frame.f_locals`` is a snapshot
dict; after writing it, ``PyFrame_LocalsToFast(frame, 0)`` copies it back into the fast locals (and cells).
"""

from __future__ import annotations

import ctypes
import inspect
import sys
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any

_PROXY = sys.version_info >= (3, 13)


def walk(frames: Iterable[FrameType]) -> Iterator[FrameType]:
    """The given frames and every caller frame below them, each once."""
    seen: set[int] = set()
    for frame in frames:
        f: FrameType | None = frame
        while f is not None and id(f) not in seen:
            seen.add(id(f))
            yield f
            f = f.f_back


def rebind(frame: FrameType, replaced: dict[int, tuple[Any, Any]]) -> dict[str, Any]:
    """Rewrite locals of ``frame`` that hold a replaced object; returns the names really rebound, with the
    values they held (to undo it)."""
    if not frame.f_code.co_flags & inspect.CO_OPTIMIZED:
        return {}  # module and class bodies: their namespace is patched directly
    f_locals = frame.f_locals
    todo = {}
    before = {}
    for name in list(f_locals.keys()):
        try:
            value = f_locals[name]
        except (KeyError, NameError):
            continue
        entry = replaced.get(id(value))
        if entry is not None and entry[0] is value:
            todo[name] = entry[1]
            before[name] = value
    if not todo:
        return {}
    return {name: before[name] for name in write_locals(frame, todo, f_locals)}


def write_locals(frame: FrameType, values: dict[str, Any], f_locals: Any = None) -> list[str]:
    """Set locals of a function frame; returns the names that really hold their new value now."""
    if f_locals is None:
        f_locals = frame.f_locals
    for name, new in values.items():
        f_locals[name] = new
    if not _PROXY:
        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    check = frame.f_locals
    return [name for name, new in values.items() if check.get(name) is new]
