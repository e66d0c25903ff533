"""CPython 3.13's interpreter frame (``Include/internal/pycore_frame.h``), as far as moving a frame needs it.

As in 3.12, but the code is ``f_executable`` and the pointer is ``instr_ptr`` (the instruction running or
about to run): after a line event's callback, a changed ``instr_ptr`` is dispatched. ``frame.f_locals`` is a
write-through proxy of the fast locals, so there is no snapshot dict to refresh.
"""

from __future__ import annotations

from . import _cpython312

VERSION = (3, 13)
OWNED_BY_THREAD = 0


# The same fields in the same places as 3.12's: ``code`` is ``f_executable`` and ``instr`` is ``instr_ptr`` here.
InterpreterFrame = _cpython312.InterpreterFrame

FUNC_FIELD = "f_funcobj"
