"""Reading and writing one stopped frame's interpreter memory (the layout comes from ``_cpython3XX``).

Only what moving a frame needs: the code pointer, the instruction pointer, the stack top and the slots of
``localsplus`` (locals, cells, free variables, then the value stack). Every access is checked against what
Python itself reports about the frame first (``f_code``, ``f_lasti``), so a layout this module does not know
is refused before anything is written.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import sysconfig
from collections.abc import Sequence
from types import CodeType, FrameType, ModuleType
from typing import Any

from . import _cpython311, _cpython312, _cpython313

_LAYOUTS: dict[tuple[int, int], ModuleType] = {
    (3, 11): _cpython311,
    (3, 12): _cpython312,
    (3, 13): _cpython313,
}
_PYFRAME_F_FRAME = 3 * ctypes.sizeof(ctypes.c_void_p)  # PyObject_HEAD, f_back, then f_frame
_PYFRAME_F_LINENO = 5 * ctypes.sizeof(ctypes.c_void_p)  # ..., f_frame, f_trace, then int f_lineno
_CODE_BYTES = CodeType.__basicsize__  # PyCode_Type's basic size is offsetof(PyCodeObject, co_code_adaptive)
_WORD = ctypes.sizeof(ctypes.c_void_p)
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_decref = ctypes.pythonapi.Py_DecRef
_decref.argtypes = [ctypes.py_object]


class LayoutError(Exception):
    """This interpreter's frames are not laid out as this module expects."""


def unsupported() -> str | None:
    """Why frames cannot be moved on this interpreter, or None when they can."""
    version = sys.version_info[:2]
    if sys.implementation.name != "cpython":
        return f"moving a running frame needs CPython; this is {sys.implementation.name}"
    if version not in _LAYOUTS:
        return (
            f"moving a running frame is implemented for CPython 3.11 to 3.13, not {version[0]}.{version[1]}"
        )
    if hasattr(sys, "gettotalrefcount"):
        return "moving a running frame is not supported on a debug build of CPython"
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        return "moving a running frame is not supported on the free-threaded build of CPython"
    return None


def layout() -> ModuleType:
    reason = unsupported()
    if reason is not None:
        raise LayoutError(reason)
    return _LAYOUTS[sys.version_info[:2]]


def code_address(code: CodeType) -> int:
    """Address of the code object's first instruction (its adaptive bytecode)."""
    return id(code) + _CODE_BYTES


def slot_names(code: CodeType) -> list[str]:
    """The names of ``localsplus``, in slot order."""
    names: list[str] = []
    while True:
        try:
            names.append(code._varname_from_oparg(len(names)))  # type: ignore[attr-defined]
        except IndexError:
            return names


NULL: Any = object()  # an empty slot (an unbound local)


class FrameMemory:
    def __init__(self, frame: FrameType) -> None:
        self.lay = layout()
        self.frame = frame
        address = ctypes.c_void_p.from_address(id(frame) + _PYFRAME_F_FRAME).value
        if not address:
            raise LayoutError("the frame has no interpreter frame")
        self.address = address
        self.raw = self.lay.InterpreterFrame.from_address(address)
        if self.raw.code != id(frame.f_code):
            raise LayoutError("the interpreter frame does not point at the frame's code")
        if self.raw.owner != bytes([self.lay.OWNED_BY_THREAD]):
            raise LayoutError("the frame is not owned by a running thread")
        if self.instr_offset() != frame.f_lasti:
            raise LayoutError("the frame's instruction pointer does not match f_lasti")
        self._slots = address + self.lay.InterpreterFrame.localsplus.offset

    # -- reading ------------------------------------------------------------------------------------------
    def instr_offset(self) -> int:
        """The byte offset the instruction pointer holds (what ``f_lasti`` reports)."""
        return int(self.raw.instr - code_address(self.frame.f_code))

    def stack_depth(self) -> int:
        return int(self.raw.stacktop) - len(slot_names(self.frame.f_code))

    def function(self) -> Any:
        address = getattr(self.raw, self.lay.FUNC_FIELD)
        return ctypes.cast(address, ctypes.py_object).value if address else None

    def read(self, count: int) -> list[Any]:
        out = []
        for i in range(count):
            value = ctypes.c_void_p.from_address(self._slots + i * _WORD).value
            out.append(ctypes.cast(value, ctypes.py_object).value if value else NULL)
        return out

    # -- writing ------------------------------------------------------------------------------------------
    def rewrite(self, code: CodeType, slots: Sequence[Any], pointer: int, line: int) -> None:
        """Make the frame run ``code``: ``slots`` become localsplus and the value stack (in that order), and
        the instruction pointer field holds byte offset ``pointer`` of ``code`` (what it means depends on the
        version and on how the frame was stopped: the caller decides)."""
        old_code = self.frame.f_code
        old = self.read(int(self.raw.stacktop))
        enabled = gc.isenabled()
        gc.disable()  # no collection may look at a half-written frame
        try:
            for i, value in enumerate(slots):
                if value is not NULL:
                    _incref(value)
                ctypes.c_void_p.from_address(self._slots + i * _WORD).value = (
                    None if value is NULL else id(value)
                )
            for i in range(len(slots), len(old)):
                ctypes.c_void_p.from_address(self._slots + i * _WORD).value = None
            for value in old:
                if value is not NULL:
                    _decref(value)  # the frame's own references; `old` still holds ours
            _incref(code)
            self.raw.code = id(code)
            _decref(old_code)
            self.raw.instr = code_address(code) + pointer
            self.raw.stacktop = len(slots)
            lineno = ctypes.c_int.from_address(id(self.frame) + _PYFRAME_F_LINENO)
            if lineno.value:
                lineno.value = line  # a trace function is running: it reported the old line
        finally:
            if enabled:
                gc.enable()
        del old
