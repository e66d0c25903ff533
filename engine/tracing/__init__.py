"""Tracing backends: how the engine learns that a debuggee thread reached a line worth looking at.

- 3.12+: `sys.monitoring` (monitoring.py). Line events are enabled locally, only on the code objects that hold
  breakpoints or that stepping needs; every other location is DISABLEd after its first event.
- 3.11: `sys.settrace` (settrace.py), installed in debuggee threads only, with a per-code-object filter so code
  without breakpoints gets no line events unless stepping.

Both call back into a `TraceCore` (the session) with the same small interface.
"""

from __future__ import annotations

import sys

from .base import Backend, TraceCore


def make_backend(core: TraceCore) -> Backend:
    if sys.version_info >= (3, 12):
        from .monitoring import MonitoringBackend

        return MonitoringBackend(core)
    from .settrace import SettraceBackend

    return SettraceBackend(core)


__all__ = ["Backend", "TraceCore", "make_backend"]
