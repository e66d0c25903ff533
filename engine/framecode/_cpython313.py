"""CPython 3.13's interpreter frame (``Include/internal/pycore_frame.h``), as far as moving a frame needs it.

As in 3.12, but the code is ``f_executable`` and the pointer is ``instr_ptr`` (the instruction running or
about to run): after a line event's callback, a changed ``instr_ptr`` is dispatched. ``frame.f_locals`` is a
write-through proxy of the fast locals, so there is no snapshot dict to refresh.
"""

from __future__ import annotations

import ctypes

VERSION = (3, 13)
OWNED_BY_THREAD = 0


class InterpreterFrame(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_void_p),  # f_executable
        ("previous", ctypes.c_void_p),
        ("f_funcobj", ctypes.c_void_p),
        ("f_globals", ctypes.c_void_p),
        ("f_builtins", ctypes.c_void_p),
        ("f_locals", ctypes.c_void_p),
        ("frame_obj", ctypes.c_void_p),
        ("instr", ctypes.c_void_p),  # instr_ptr
        ("stacktop", ctypes.c_int),
        ("return_offset", ctypes.c_uint16),
        ("owner", ctypes.c_char),
        ("localsplus", ctypes.c_void_p * 1),
    ]


FUNC_FIELD = "f_funcobj"
