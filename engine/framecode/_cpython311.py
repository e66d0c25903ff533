"""CPython 3.11's interpreter frame (``Include/internal/pycore_frame.h``), as far as moving a frame needs it.

``prev_instr`` is the code unit *before* the next instruction. Two ways back into a stopped frame:

- from a ``sys.settrace`` line event, the eval loop re-reads ``prev_instr`` and runs the instruction there, but
  it keeps the code's constants, names and first instruction it cached at frame entry;
- from a call to a Python function (the bytecode backend's breakpoint hook), the return pushes the result on
  the frame's stack and re-reads everything from the frame, the code object included.

So a 3.11 frame is moved into a copy of the new code with a landing pad (``_pad311``) that calls a Python
function first: from then on the loop runs entirely on the new code.
"""

from __future__ import annotations

import ctypes

VERSION = (3, 11)
OWNED_BY_THREAD = 0


class InterpreterFrame(ctypes.Structure):
    _fields_ = [
        ("f_func", ctypes.c_void_p),
        ("f_globals", ctypes.c_void_p),
        ("f_builtins", ctypes.c_void_p),
        ("f_locals", ctypes.c_void_p),
        ("code", ctypes.c_void_p),  # f_code
        ("frame_obj", ctypes.c_void_p),
        ("previous", ctypes.c_void_p),
        ("instr", ctypes.c_void_p),  # prev_instr
        ("stacktop", ctypes.c_int),
        ("is_entry", ctypes.c_bool),
        ("owner", ctypes.c_char),
        ("localsplus", ctypes.c_void_p * 1),
    ]


FUNC_FIELD = "f_func"
