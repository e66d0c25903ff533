"""Tracing backends: how the engine learns that a debuggee thread reached a line worth looking at.

- 3.12+: `sys.monitoring` (monitoring.py). Line events are enabled locally, only on the code objects that hold
  breakpoints or that stepping needs; every other location is DISABLEd after its first event.
- 3.11: breakpoint hooks injected into the bytecode of the code objects that hold breakpoints (bytecode.py), with
  no global trace function until stepping, pausing or the "raised" filter need one, and then only on the threads
  that need it. The older filtered `sys.settrace` backend (settrace.py) is the fallback without `bytecode`.

Both call back into a `TraceCore` (the session) with the same small interface.
"""

from __future__ import annotations

import sys

from ._codes import COMPREHENSIONS
from .base import Backend, TraceCore


def make_backend(core: TraceCore) -> Backend:
    if sys.version_info >= (3, 12):
        from .monitoring import MonitoringBackend

        return MonitoringBackend(core)
    try:
        from .bytecode import BytecodeBackend, supported
    except ImportError:  # the `bytecode` library is missing
        pass
    else:
        if supported():
            return BytecodeBackend(core)
    # Without `bytecode`, or where other threads' tracing cannot be switched: a filtered settrace, at ~4x.
    from .settrace import SettraceBackend

    return SettraceBackend(core)


__all__ = ["COMPREHENSIONS", "Backend", "TraceCore", "make_backend"]
