"""dapper-tui: a terminal debugger with hot reload, and an agent console whose tools reload in place.

From inside a program started with plain `python`:

    import dapper_tui; dapper_tui.set_trace()      # or breakpoint() with PYTHONBREAKPOINT=dapper_tui.set_trace
    dapper_tui.post_mortem()                        # in an `except` block, or after an uncaught exception

Importing this package loads nothing else: the engine comes in at the first call.
"""

from __future__ import annotations

import sys
from types import FrameType, TracebackType

__version__ = "0.1.0"


def set_trace(*, frame: FrameType | None = None) -> None:
    """Stop here, in the full-screen debugger (attached to this process the first time), as `breakpoint()`
    does. After continue the program runs on under the debugger; the debugger stays until it is quit. Without
    a terminal: the line console if stdin is a pipe, else one line on stderr and the program runs on."""
    from .attach import set_trace as _set_trace

    _set_trace(frame if frame is not None else sys._getframe(1))


def post_mortem(tb: TracebackType | BaseException | None = None) -> None:
    """Open the debugger on the frame an exception was raised in: `tb` (a traceback or an exception), else the
    exception being handled, else the last uncaught one (`sys.last_exc` / `sys.last_traceback`)."""
    from .attach import post_mortem as _post_mortem

    exc: BaseException | None = None
    if isinstance(tb, BaseException):
        exc, tb = tb, tb.__traceback__
    if exc is None:
        handled = sys.exc_info()[1]
        last = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
        for candidate in (handled, last):
            if candidate is not None and (tb is None or _in_chain(tb, candidate)):
                exc = candidate
                break
    if tb is None:
        tb = exc.__traceback__ if exc is not None else getattr(sys, "last_traceback", None)
    if tb is None:
        raise ValueError("post_mortem: no traceback given and no exception is being handled")
    if exc is None:
        exc = RuntimeError("post-mortem")
    _post_mortem(exc, tb, sys._getframe(1))


def _in_chain(tb: TracebackType, exc: BaseException) -> bool:
    t = exc.__traceback__
    while t is not None:
        if t is tb:
            return True
        t = t.tb_next
    return False


__all__ = ["__version__", "post_mortem", "set_trace"]
