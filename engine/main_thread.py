"""The program runs on the interpreter's main thread, as it would without the debugger.

CPython gives the main thread things no other thread can have: `signal.signal`, `signal.set_wakeup_fd` (so
asyncio's `loop.add_signal_handler`), the delivery of every signal handler, and `threading.main_thread()`.
Programs depend on them (servers with a SIGTERM handler, asyncio services, CLIs that catch Ctrl+C), so the front
ends (the TUI, the DAP server, the line console) run on threads of their own and leave the main thread to
`MainThreadRunner.serve`, which runs each launch of the program there, one after the other. pdb and debugpy make
the same choice; the alternative (emulating those APIs on a secondary thread) cannot make signals arrive there.

While it serves:
- SIGINT (Ctrl+C on a line console, `kill -INT`) pauses the running program instead of raising
  KeyboardInterrupt, as pdb and pudb do. A program that installs its own SIGINT handler gets its handler. A
  SIGINT the program sends itself (`os.kill(os.getpid(), SIGINT)`, `signal.raise_signal`, `interrupt_main`)
  is its own: KeyboardInterrupt, as without the debugger (program_sigint.py). With no program running,
  SIGINT raises KeyboardInterrupt out of `serve`, for the front end to end.
- After each run, every signal handler is put back as it was before the run: a restart starts clean.
- `interrupt` raises an exception in the running program even inside a blocking call (`time.sleep`,
  `socket.accept`), which is how a terminate reaches a program that has no line events to give.

Signal handlers run on the main thread at a point the program chose nothing about, possibly while it holds a
lock the engine also takes, so the SIGINT handler takes no lock: it hands the pause to a relay thread that was
started before the program ran (so it is never the program's).
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from .exit_guard import real_exit
from .program_sigint import ProgramSigint
from .sources import is_own_file, is_user_file

_pthread_kill = signal.pthread_kill  # the real one: the program's run wraps it (program_sigint.py)

_Handler = Callable[[int, FrameType | None], Any] | int | None


# The real functions: while a run is on, the program's `signal.getsignal`/`signal.signal` answer as if SIGINT's
# handler were Python's own (program_sigint.py); the runner asks and sets the real one.
_getsignal = signal.getsignal
_setsignal = signal.signal


class ProgramRun:
    """One run of the program on the main thread; joinable like the Thread it replaces."""

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn
        self.ident: int | None = threading.main_thread().ident
        self._done = threading.Event()
        self._started = threading.Event()

    def join(self, timeout: float | None = None) -> None:
        self._done.wait(timeout)

    def is_alive(self) -> bool:
        return not self._done.is_set()


class MainThreadRunner:
    """Runs submitted programs on the main thread (`serve`), with the signal behaviour described above."""

    def __init__(self, *, on_interrupt: Callable[[], None] | None = None) -> None:
        self.on_interrupt = on_interrupt  # called on the relay thread when SIGINT arrives
        self._jobs: queue.SimpleQueue[ProgramRun | None] = queue.SimpleQueue()
        self._relay_jobs: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._raise: BaseException | None = None
        self._current: ProgramRun | None = None
        self._closed = threading.Event()
        self.idle = threading.Event()  # set once `serve` has returned: no program runs on the main thread
        self._free = threading.Event()  # no run is on the main thread now
        self._free.set()
        # whether the calling thread is one of the program's (the session says; Program sets it)
        self.is_program_thread: Callable[[], bool] = lambda: False
        self._own_sigint = ProgramSigint(
            lambda: _getsignal(signal.SIGINT) == self._on_sigint, lambda: self.is_program_thread()
        )

    # -- front end side (any thread) ------------------------------------------------------------------------
    def submit(self, fn: Callable[[], None]) -> ProgramRun:
        if self._closed.is_set():
            raise RuntimeError("the main thread no longer takes programs")
        run = ProgramRun(fn)
        self._jobs.put(run)
        return run

    def wait_free(self, timeout: float) -> bool:
        """Whether the main thread is free for a new run within `timeout` seconds (an earlier run may be
        blocked outside Python code for good: a terminate cannot reach it while its own SIGINT handler is in)."""
        return self._free.wait(timeout)

    def close(self) -> None:
        """Let `serve` return once the current run (if any) has ended."""
        self._closed.set()
        self._jobs.put(None)

    def interrupt(self, exc: BaseException) -> bool:
        """Raise `exc` in the running program now, even inside a blocking call. Only while the SIGINT handler is
        ours (a program's own handler must not be called for the debugger's purposes). Returns whether sent."""
        run = self._current
        if run is None or run.ident is None or _getsignal(signal.SIGINT) != self._on_sigint:
            return False
        self._raise = exc
        _pthread_kill(run.ident, signal.SIGINT)
        return True

    # -- main thread side -----------------------------------------------------------------------------------
    def serve(self) -> None:
        """Run each submitted program on this (the main) thread until `close`."""
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("MainThreadRunner.serve must be called on the main thread")
        relay = threading.Thread(target=self._relay, name="dapper-tui signals", daemon=True)
        relay.start()
        try:
            with self._handlers():
                while (run := self._next()) is not None:
                    self._run(run)
        finally:
            self._relay_jobs.put(None)
            self.idle.set()

    def _next(self) -> ProgramRun | None:
        while True:
            try:
                return self._jobs.get(timeout=0.25)  # a timeout, so that signal handlers get to run
            except queue.Empty:
                if self._closed.is_set():
                    return None

    def _run(self, run: ProgramRun) -> None:
        saved = _all_handlers()
        self._free.clear()
        self._current = run
        self._own_sigint.install()
        try:
            run.fn()
        except BaseException as exc:  # the session's entry point catches the program's; this is the engine's
            sys.excepthook(type(exc), exc, exc.__traceback__)
        finally:
            self._own_sigint.uninstall()
            self._current = None
            self._raise = None
            _restore_handlers(saved)
            self._free.set()
            run._done.set()

    @contextmanager
    def _handlers(self) -> Iterator[None]:
        saved = _all_handlers()
        _setsignal(signal.SIGINT, self._on_sigint)
        try:
            yield
        finally:
            _restore_handlers(saved)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        exc, self._raise = self._raise, None
        if exc is not None:
            raise exc
        if self._current is None:
            raise KeyboardInterrupt  # no program runs: Ctrl+C ends the front end, as it would without one
        if self._own_sigint.take():  # the program sent it itself: its own KeyboardInterrupt, as without us
            if _in_debugger_code(frame):
                # never inside the debugger's own code (its output, a stop): at the program's next line
                _raise_at_next_program_line(frame)
                return
            raise KeyboardInterrupt
        self._relay_jobs.put(signum)  # SimpleQueue.put is safe in a signal handler; no lock is taken here

    def _relay(self) -> None:
        while (signum := self._relay_jobs.get()) is not None:
            if signum == signal.SIGINT and self.on_interrupt is not None and self._current is not None:
                try:
                    self.on_interrupt()
                except Exception:
                    pass


def _in_debugger_code(frame: FrameType | None) -> bool:
    """Is the main thread running the debugger's code (called by the program: its print, Thread.start, a
    stop), rather than the program's? The innermost frame that is either decides; library frames between
    (threading's locks) do not: an exception raised there would unwind through the debugger's."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if is_own_file(filename):
            return True
        if is_user_file(filename):
            return False
        frame = frame.f_back
    return False


def _raise_at_next_program_line(frame: FrameType | None) -> None:
    """KeyboardInterrupt at the next line of the program's code on this (the main) thread: the innermost
    program frame's next line, or the first line of a program function called before it. A one-shot trace
    function does it and puts back the one that was set (on 3.11 the engine's own while stepping)."""
    previous = sys.gettrace()
    armed: list[tuple[FrameType, Any]] = []

    def at_line(f: FrameType, event: str, arg: Any) -> Any:
        if event != "line":
            return at_line
        sys.settrace(previous)
        for armed_frame, trace in armed:
            armed_frame.f_trace = trace
        raise KeyboardInterrupt

    def on_call(f: FrameType, event: str, arg: Any) -> Any:
        if is_user_file(f.f_code.co_filename):
            return at_line
        return previous(f, event, arg) if previous is not None else None  # type: ignore[arg-type]

    while frame is not None and not is_user_file(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is not None:
        armed.append((frame, frame.f_trace))
        frame.f_trace = at_line
        frame.f_trace_lines = True
    sys.settrace(on_call)


def _all_handlers() -> dict[int, _Handler]:
    handlers: dict[int, _Handler] = {}
    for signum in signal.valid_signals():
        try:
            handlers[signum] = _getsignal(signum)
        except (OSError, ValueError):
            continue
    return handlers


def _restore_handlers(saved: dict[int, _Handler]) -> None:
    for signum, handler in saved.items():
        if handler is None or _getsignal(signum) == handler:
            continue  # None: installed from C (not by Python); leave it
        try:
            _setsignal(signum, handler)
        except (OSError, ValueError, TypeError):
            continue


def exit_now(code: int) -> None:
    """End the process at once, the program's streams flushed: for a front end whose program will not end (it
    ignores the end, blocked outside Python code), where a normal exit would wait for it for ever."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    real_exit(code)
