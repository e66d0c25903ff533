"""Edit and continue: a stopped frame runs new code from the matching statement, or restarts its function.

CPython cannot assign ``frame.f_code``, but a frame that is stopped in a line event is at a clean point: the
interpreter re-reads the frame's instruction pointer and stack top when the event's callback returns. So a
stopped frame can be moved into a new code object by writing its interpreter frame (``_PyInterpreterFrame``)
directly: the code pointer, the locals (carried over by name), the value stack, the stack top and the
instruction pointer. That is done only after every check has passed:

- the interpreter is CPython 3.11, 3.12 or 3.13 with a known frame layout (one module a version:
  ``_cpython311``, ``_cpython312``, ``_cpython313``), verified against what Python reports for the frame;
- the frame is stopped at the start of a statement in a line event (or the 3.11 breakpoint hook), not in the
  middle of an expression, a call or a generator;
- the values on its stack (a ``for`` iterator, a ``with`` exit, an exception being handled) belong to blocks
  with the same kinds and headers around the new statement, at the same depth (``_stack``, ``_shape``);
- locals, cells and free variables are compatible (new free variables are refused; locals become cells and
  back as needed);
- the new code fits in the frame's memory (locals plus the deepest stack the new code needs).

``plan_move`` / ``plan_restart`` return a plan or raise ``Refused`` with the reason; ``Plan.apply()`` writes.
"""

from . import room
from ._memory import unsupported
from ._move import Plan, Refused, Via, plan_move, plan_restart
from ._pad311 import landed

__all__ = ["Plan", "Refused", "Via", "landed", "plan_move", "plan_restart", "room", "unsupported"]
