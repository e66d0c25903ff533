"""Evaluate expressions and statements in a frame, and write values back into a frame's locals.

3.13: `frame.f_locals` is a write-through FrameLocalsProxy. 3.11/3.12: it is a snapshot dict, and a write needs
`PyFrame_LocalsToFast` to reach the running frame.
"""

from __future__ import annotations

import ctypes
import sys
from types import FrameType
from typing import Any

_PROXY_LOCALS = sys.version_info >= (3, 13)


def _locals_to_fast(frame: FrameType) -> None:
    # Never touch frame.f_locals here: on 3.11/3.12 reading it re-snapshots the fast locals over the write.
    if not _PROXY_LOCALS:
        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))


def evaluate(frame: FrameType, text: str) -> tuple[bool, Any]:
    """Evaluate `text` in the frame. An expression returns (True, value); a statement (assignment, import,
    for-loop...) runs and returns (False, None). Assignments to locals reach the running frame."""
    try:
        code = compile(text, "<evaluate>", "eval")
    except SyntaxError:
        code = compile(text, "<evaluate>", "exec")  # raises SyntaxError with the statement's own message
        ns = frame.f_locals
        exec(code, frame.f_globals, ns)
        _locals_to_fast(frame)
        return False, None
    return True, eval(code, frame.f_globals, frame.f_locals)


def set_local(frame: FrameType, name: str, value: Any, *, scope: str = "locals") -> None:
    if scope == "globals":
        frame.f_globals[name] = value
        return
    ns = frame.f_locals
    ns[name] = value
    _locals_to_fast(frame)


def set_member(container: Any, name: str, value: Any) -> None:
    """Assign a child shown in the variables tree: `[3]`, `['key']` (a repr'd key) or an attribute."""
    if isinstance(container, (list,)) and name.startswith("[") and name.endswith("]"):
        container[int(name[1:-1])] = value
    elif isinstance(container, dict):
        key = next((k for k in container if _key_label(k) == name), None)
        if key is None and name not in container:
            raise KeyError(name)
        container[name if key is None else key] = value
    else:
        setattr(container, name, value)


def _key_label(k: Any) -> str:
    from .variables import safe_repr

    return safe_repr(k)
