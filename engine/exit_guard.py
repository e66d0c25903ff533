"""The program's hard exit (`os._exit`, `posix._exit`) under the debugger: told, then done.

The program runs in the debugger's own process, so `os._exit(7)` ends the debugger too, at once: no `exited`,
no `terminated`, the front end's channel simply closes. While a run is on, `HardExits` puts a wrapper in
`os._exit` and `posix._exit` (the same C function under two names). Called in this process, the wrapper has
the run reported as ended with the program's code (`report`, on a thread of the debugger's own, waited for up
to `deadline` seconds: the calling thread may hold a lock the report needs, e.g. a signal handler that ran
inside the engine) and then really exits with that code. The process does end, as the program asked: nothing
of it (no `finally`, no atexit handler, no thread) may run on, so under `dapper-tui dap --port` the server
ends after telling its client.

Called in a forked child (another pid), the wrapper is the real `_exit` at once: the child has no channel to the
front end (engine/forking.py). The engine's own exits use `real_exit`.
"""

from __future__ import annotations

import operator
import os
import posix
import threading
from collections.abc import Callable
from typing import Any, NoReturn

real_exit: Callable[[int], NoReturn] = os._exit  # the C function, captured before any wrapper
# set once the program has called `os._exit`: the process ends as soon as the front end has been told
exiting = threading.Event()


class HardExits:
    """Wraps `os._exit`/`posix._exit` while installed (one run of the program)."""

    def __init__(
        self,
        report: Callable[[int], None],
        spawn: Callable[[Callable[[], None], str], threading.Thread],
        deadline: float = 3.0,
    ) -> None:
        self.report = report  # tells the front end the run ended with this code; returns once it is sent
        self.spawn = spawn  # starts a thread of the debugger's own (never traced, never the program's)
        self.deadline = deadline
        self._pid = 0
        self._once = threading.Lock()
        self._wrapper: Callable[[Any], NoReturn] | None = None

    def install(self) -> None:
        if self._wrapper is not None:
            return
        self._pid = os.getpid()

        def _exit(n: Any) -> NoReturn:
            self._hard_exit(n)

        _exit.__doc__ = real_exit.__doc__
        self._wrapper = _exit
        os._exit = posix._exit = _exit  # type: ignore[assignment]

    def uninstall(self) -> None:
        wrapper, self._wrapper = self._wrapper, None
        if wrapper is None:
            return
        if os._exit is wrapper:
            os._exit = real_exit  # type: ignore[assignment]
        if posix._exit is wrapper:
            posix._exit = real_exit  # type: ignore[assignment]

    def _hard_exit(self, n: Any) -> NoReturn:
        if os.getpid() != self._pid:
            real_exit(n)  # a forked child: it has no channel to the front end
        try:
            code = operator.index(n)
        except TypeError:
            real_exit(n)  # the TypeError comes from the real function
        if not self._once.acquire(blocking=False):
            # another thread is already telling the front end: wait for it to end the process
            self._once.acquire(timeout=self.deadline + 1.0)
            real_exit(n)
        try:
            worker = self.spawn(lambda: self.report(code), "dapper-tui exit report")
            worker.join(self.deadline)
        except BaseException:
            pass
        real_exit(n)
