"""CPython 3.12's interpreter frame (``Include/internal/pycore_frame.h``), as far as moving a frame needs it.

A line event (``sys.monitoring`` or ``sys.settrace``, both run from ``INSTRUMENTED_LINE``) re-reads
``prev_instr`` and the stack pointer after its callback and, when ``prev_instr`` changed, dispatches the
instruction it points at; every other cached value is read from the frame's code object as it runs. So a frame
stopped in a line event moves by setting the code, the locals, the stack top and ``prev_instr``.
"""

from __future__ import annotations

import ctypes

VERSION = (3, 12)
OWNED_BY_THREAD = 0


class InterpreterFrame(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_void_p),  # f_code
        ("previous", ctypes.c_void_p),
        ("f_funcobj", ctypes.c_void_p),
        ("f_globals", ctypes.c_void_p),
        ("f_builtins", ctypes.c_void_p),
        ("f_locals", ctypes.c_void_p),
        ("frame_obj", ctypes.c_void_p),
        ("instr", ctypes.c_void_p),  # prev_instr
        ("stacktop", ctypes.c_int),
        ("return_offset", ctypes.c_uint16),
        ("owner", ctypes.c_char),
        ("localsplus", ctypes.c_void_p * 1),
    ]


FUNC_FIELD = "f_funcobj"
