"""Room to grow: user code objects get spare value-stack slots, so a frame can later move into bigger code.

A frame's memory is fixed when it starts (its code's locals plus its deepest stack). New code that adds a
local or a deeper expression needs more, and a frame stopped in the function the user is fixing is exactly
the one that was started before the edit. So the code the program runs from its own files (the launched
script, its modules as they are imported, and every reload) is given ``ROOM`` spare slots: 128 bytes a frame,
never used by the code itself. The bytecode is untouched; only ``co_stacksize`` grows.
"""

from __future__ import annotations

import importlib.machinery
import threading
import weakref
from collections.abc import Callable
from types import CodeType

ROOM = 16
_marked: dict[int, weakref.ref[CodeType]] = {}  # code objects made here (they hold their room already)
_lock = threading.Lock()


def with_room(code: CodeType) -> CodeType:
    """``code`` and the code objects nested in it, each with ``ROOM`` spare stack slots."""
    if has_room(code):
        return code
    consts = tuple(with_room(c) if isinstance(c, CodeType) else c for c in code.co_consts)
    roomy = code.replace(co_stacksize=code.co_stacksize + ROOM, co_consts=consts)
    key = id(roomy)
    _marked[key] = weakref.ref(roomy, _forget(key))
    return roomy


def has_room(code: CodeType) -> bool:
    ref = _marked.get(id(code))
    return ref is not None and ref() is code


_original_get_code = importlib.machinery.SourceFileLoader.get_code
_wanted: Callable[[str], bool] | None = None


def _get_code(self: importlib.machinery.SourceFileLoader, fullname: str) -> CodeType | None:
    code = _original_get_code(self, fullname)
    wanted = _wanted
    if code is not None and wanted is not None and wanted(self.path):
        code = with_room(code)
    return code


def _forget(key: int) -> Callable[[weakref.ref[CodeType]], None]:
    """The weakref callback that drops ``key``'s mark once its code object is gone."""

    def forget(_ref: weakref.ref[CodeType]) -> None:
        _marked.pop(key, None)

    return forget


def install(wanted: Callable[[str], bool]) -> None:
    """Give room to modules imported from now on whose file ``wanted`` accepts (the program's own)."""
    global _wanted
    with _lock:
        _wanted = wanted
        importlib.machinery.SourceFileLoader.get_code = _get_code  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    global _wanted
    with _lock:
        _wanted = None
        importlib.machinery.SourceFileLoader.get_code = _original_get_code  # type: ignore[method-assign]
