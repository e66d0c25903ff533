"""A SIGINT the program sends itself is the program's: a KeyboardInterrupt, as without the debugger.

While the program runs on the main thread, SIGINT's handler is the debugger's: Ctrl+C or `kill -INT` from
outside pauses the program (main_thread.py). A signal handler cannot tell who sent its signal, so a program that
sends SIGINT to itself (`os.kill(os.getpid(), signal.SIGINT)`, `signal.raise_signal`, `_thread.interrupt_main`,
a process group kill that includes itself) would be paused instead of interrupted: its own Ctrl+C handling, its
tests of it, or its way to stop a worker loop would behave differently under the debugger.

So while a run is on, `ProgramSigint` wraps those senders. When one of the program's threads calls them, SIGINT's
handler is the debugger's (the program installed none of its own) and the signal is for this process:
- sent from the main thread to the process, the main thread or itself: the KeyboardInterrupt is raised right
  there, in the call, as Python's default handler would raise it at once;
- otherwise (from another thread, `interrupt_main`, a group kill) the signal is sent and counted, and the
  debugger's handler raises KeyboardInterrupt for each counted one instead of pausing.
A SIGINT from anywhere else (another process, a front end's thread, C code calling `raise`) still pauses.

The debugger's handler is not the program's to see either: while it is in place, `signal.getsignal(SIGINT)`
in a program thread answers `signal.default_int_handler` (what Python installs), and so does the previous
handler `signal.signal(SIGINT, ...)` returns. A library that installs its handler only over the default one, or
hands Ctrl+C on to the previous handler, behaves as without the debugger.
"""

from __future__ import annotations

import _thread
import os
import queue
import signal
import threading
from collections.abc import Callable
from typing import Any

_SIGINT = signal.SIGINT


class ProgramSigint:
    def __init__(self, ours: Callable[[], bool], from_program: Callable[[], bool]) -> None:
        self._ours = ours  # is SIGINT's handler the debugger's right now?
        self.from_program = from_program  # is the calling thread one of the program's?
        self._sent: queue.SimpleQueue[int] = queue.SimpleQueue()  # put/get are safe in a signal handler
        self._saved: dict[tuple[Any, str], Any] = {}

    def ours(self) -> bool:
        return self._ours() and self.from_program()

    def take(self) -> bool:
        """In the debugger's SIGINT handler: was this SIGINT one the program sent itself?"""
        try:
            self._sent.get_nowait()
        except queue.Empty:
            return False
        return True

    def install(self) -> None:
        if self._saved:
            return
        while self.take():
            pass  # a signal counted in an earlier run that never came (blocked): not this run's
        real_kill, real_killpg = os.kill, os.killpg
        real_raise, real_pthread_kill = signal.raise_signal, signal.pthread_kill
        real_interrupt_main = _thread.interrupt_main
        real_getsignal, real_signal = signal.getsignal, signal.signal

        def kill(pid: int, sig: int, /) -> None:
            if sig != _SIGINT or not self.ours():
                return real_kill(pid, sig)
            me = os.getpid()
            if pid == me and _on_main_thread():
                raise KeyboardInterrupt
            if pid in (me, 0) or pid == -os.getpgrp():
                return self._send(real_kill, pid, sig)
            return real_kill(pid, sig)

        def killpg(pgid: int, sig: int, /) -> None:
            if sig == _SIGINT and pgid in (0, os.getpgrp()) and self.ours():
                return self._send(real_killpg, pgid, sig)
            return real_killpg(pgid, sig)

        def raise_signal(sig: int, /) -> None:
            if sig != _SIGINT or not self.ours():
                return real_raise(sig)
            if _on_main_thread():
                raise KeyboardInterrupt
            return self._send(real_raise, sig)

        def pthread_kill(thread_id: int, sig: int, /) -> None:
            if sig != _SIGINT or not self.ours():
                return real_pthread_kill(thread_id, sig)
            if _on_main_thread() and thread_id == threading.get_ident():
                raise KeyboardInterrupt
            return self._send(real_pthread_kill, thread_id, sig)

        def interrupt_main(signum: int = _SIGINT, /) -> None:
            if signum != _SIGINT or not self.ours():
                return real_interrupt_main(signum)  # type: ignore[arg-type]
            return self._send(real_interrupt_main, signum)

        def getsignal(signalnum: int, /) -> Any:
            if signalnum == _SIGINT and self.ours():
                return signal.default_int_handler  # the program installed none: Python's own, as without us
            return real_getsignal(signalnum)

        def signal_(signalnum: int, handler: Any, /) -> Any:
            ours = signalnum == _SIGINT and self.ours()
            previous = real_signal(signalnum, handler)
            return signal.default_int_handler if ours else previous

        for owner, name, wrapper in (
            (signal, "getsignal", getsignal),
            (signal, "signal", signal_),
            (os, "kill", kill),
            (os, "killpg", killpg),
            (signal, "raise_signal", raise_signal),
            (signal, "pthread_kill", pthread_kill),
            (_thread, "interrupt_main", interrupt_main),
        ):
            real = getattr(owner, name)
            wrapper.__doc__ = real.__doc__
            self._saved[(owner, name)] = (real, wrapper)
            setattr(owner, name, wrapper)

    def uninstall(self) -> None:
        saved, self._saved = self._saved, {}
        for (owner, name), (real, wrapper) in saved.items():
            if getattr(owner, name) is wrapper:
                setattr(owner, name, real)

    def _send(self, real: Callable[..., None], *args: int) -> None:
        self._sent.put(1)
        try:
            real(*args)
        except BaseException:
            self.take()
            raise


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
