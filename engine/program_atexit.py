"""The program's `atexit` handlers run at the end of its run, as they would at the end of its process.

The program runs in the debugger's process, which outlives the run (and, under `dapper-tui dap --port`, serves
the next client). Left alone, a handler the program registers would run when the *debugger* exits: after the
front end was told the program exited (with the wrong code when the handler calls `os._exit(9)`), with its
output on the debugger's stderr instead of the program's, and, in a server, once per client at the very end.

While a run is on, `ProgramAtexit` stands in for `atexit.register`/`atexit.unregister`: a handler registered
from the program's own code (its files, as `sources.is_user_file` counts them) is kept for this run; one
registered from library code (`logging` registers its shutdown on first import) goes to the interpreter's
atexit as before, since the library stays imported in the process after the run. At the end of the run, after
the program's non-daemon threads have ended (Python's own order: threads, then atexit), `run` calls the kept
handlers, last registered first; an exception in one is reported as Python reports it ("Exception ignored in
atexit callback") and the next one runs. A run that is terminated runs none (a killed process runs none).
"""

from __future__ import annotations

import atexit
import sys
import traceback
from collections.abc import Callable
from typing import Any

from .parking import Terminate
from .sources import is_user_file

_Handler = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class ProgramAtexit:
    def __init__(self) -> None:
        self._handlers: list[_Handler] = []
        self._saved: tuple[Callable[..., Any], Callable[..., Any]] | None = None

    def install(self) -> None:
        if self._saved is not None:
            return
        self._handlers = []
        real_register, real_unregister = atexit.register, atexit.unregister
        self._saved = (real_register, real_unregister)
        handlers = self._handlers

        def register(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Callable[..., Any]:
            if not callable(func):
                return real_register(func, *args, **kwargs)  # the real TypeError
            caller = sys._getframe(1).f_code.co_filename
            if not is_user_file(caller):
                return real_register(func, *args, **kwargs)
            handlers.append((func, args, kwargs))
            return func

        def unregister(func: Callable[..., Any], /) -> None:
            handlers[:] = [h for h in handlers if not _same(h[0], func)]
            real_unregister(func)

        register.__doc__ = real_register.__doc__
        unregister.__doc__ = real_unregister.__doc__
        atexit.register = register
        atexit.unregister = unregister

    def uninstall(self) -> None:
        saved, self._saved = self._saved, None
        if saved is not None:
            atexit.register, atexit.unregister = saved
        self._handlers = []

    def pending(self) -> int:
        return len(self._handlers)

    def run(self) -> None:
        """Call the program's handlers, last registered first (each once; a handler may register more)."""
        handlers = self._handlers
        while handlers:
            func, args, kwargs = handlers.pop()
            try:
                func(*args, **kwargs)
            except BaseException as exc:
                if isinstance(exc, Terminate):
                    raise  # the debugger's terminate: the run is being ended
                _report(func, exc)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def _report(func: Callable[..., Any], exc: BaseException) -> None:
    err = sys.stderr
    if err is None:
        return
    try:
        print(f"Exception ignored in atexit callback: {func!r}", file=err)
        traceback.print_exception(exc, file=err)
    except Exception:
        pass
