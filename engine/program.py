"""The program's run: launching it, one run to its end (exactly one Exited), terminating, restarting, closing.

The program runs on the interpreter's main thread when a front end serves it (`MainThreadRunner`), else on a
thread of its own. `terminate` raises the end in the program's threads at their next line; a thread blocked in a
call (sleep, accept, a lock) gets it as an interrupt from the runner.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Protocol

from . import exit_guard, forking, launch
from .events import Exited, Output, ThreadEvent
from .exit_guard import HardExits
from .framecode import room
from .main_thread import MainThreadRunner
from .parking import Step, Terminate
from .program_atexit import ProgramAtexit
from .sources import is_own_file, is_user_file, set_user_roots

if TYPE_CHECKING:
    from .session import DebugSession


class RunHandle(Protocol):
    """The thread a run of the program is on, as the front ends wait for it: a Thread, the main thread's
    ProgramRun, or an attached program's run (cli/attach.py)."""

    @property
    def ident(self) -> int | None: ...

    def join(self, timeout: float | None = None) -> None: ...

    def is_alive(self) -> bool: ...


class Program:
    def __init__(self, session: DebugSession, runner: MainThreadRunner | None) -> None:
        self.s = session
        self.runner = runner
        self.thread: RunHandle | None = None  # the run's thread
        self._stop_on_entry = False
        self._interruptible = False  # the program's code (or the wait for its threads) runs on the runner
        self._modules_before: set[str] = set()
        self._ended = False  # the run's Exited was posted (by its end, or by a hard exit)
        self._told_stuck = False  # the front end was told the run does not end when asked
        self._hard_exits = HardExits(self._hard_exit, session.threads.spawn_internal)
        self._atexit = ProgramAtexit()
        if runner is not None:
            runner.is_program_thread = session.threads.is_debuggee  # its SIGINTs to itself are its own

    # -- launching ----------------------------------------------------------------------------------------
    def launch(self, target: launch.LaunchTarget, *, stop_on_entry: bool = False) -> None:
        s = self.s
        if s.state in ("running", "stopped"):
            raise RuntimeError("the program is already running")
        s.target = target
        s.exit_code = None
        with s.parking.cv:  # nothing of a previous run (a terminated stop, a step) leaks into this one
            s.run.launching()
            s.parking.forget_terminations()
            s.parking.forget()
            s.forget_function_hits()
            s.vars.clear()
            s.stop_event = None
            self._ended = False
            self._told_stuck = False
        self._stop_on_entry = stop_on_entry
        problem = target.check()
        if problem:
            with s.parking.cv:
                s.run.exited()
            s.exit_code = 2
            s.emit(Exited(2, error=problem))
            return
        if self.runner is not None and not self.runner.wait_free(3.0):
            with s.parking.cv:
                s.run.exited()
            s.exit_code = 1
            s.emit(Exited(1, error=_MAIN_THREAD_TAKEN))
            return
        set_user_roots(target.own_code())  # `-m pkg`: pkg is the program's own code, even in site-packages
        self._install()
        self._modules_before = set(sys.modules)
        with s.parking.cv:
            s.run.launched()
        if self.runner is not None:
            self.thread = self.runner.submit(self._main)
            return
        t = threading.Thread(target=self._main, name="MainThread (program)", daemon=True)
        self.thread = t
        t.start()

    def _install(self) -> None:
        s = self.s
        if s.hooks_installed:
            return
        s.hooks_installed = True
        s.threads.on_start = self._thread_started
        s.threads.on_exit = self._thread_exited
        s.threads.on_uncaught = self._thread_uncaught
        s.threads.install()
        s.io.install()
        s.backend.install()
        forking.detach_in_child(s)  # a forked child lets go of the debugger and runs on by itself
        from .hotreload import track_sources

        track_sources()  # the first reload of a file must know the source its module ran from
        room.install(is_user_file)  # the program's code gets spare frame slots, so frames can grow on reload
        s.install_breakpointhook()

    def close(self) -> None:
        s = self.s
        self.terminate(wait=1.0)
        if not s.hooks_installed:
            return
        s.hooks_installed = False
        s.backend.uninstall()
        s.io.uninstall()
        s.threads.uninstall()
        room.uninstall()
        s.editor.forget()
        set_user_roots(())
        s.uninstall_breakpointhook()

    # -- one run ------------------------------------------------------------------------------------------
    def _main(self) -> None:
        """One run of the program. It ends with exactly one Exited, however the run ends: `terminate` raises
        the end in this thread (at a line, or by interrupting a blocked call), and that may come just as the
        program's own code returns; `os._exit` in the program reports it and ends the process (exit_guard)."""
        self._hard_exits.install()
        self._atexit.install()
        try:
            self._main_run()
        finally:
            self._atexit.uninstall()
            self._hard_exits.uninstall()

    def _main_run(self) -> None:
        s = self.s
        s.threads.add_current()
        s.backend.thread_start()
        if self._stop_on_entry:
            s.parking.steps[threading.get_ident()] = Step("into", sys._getframe(), reason="entry")
            s.run.into = True
        s.backend.refresh([])
        code = 1
        try:
            code = self._run_to_end()
        except Terminate:  # a terminate's interrupt, come while the run was ending
            code = 1
        finally:
            s.threads.discard_current()
            try:
                self._tell_left_behind()
            except Terminate:  # a terminate's interrupt that was already on its way
                pass
            self._post_exited(code)

    def _post_exited(self, code: int) -> None:
        """The run is over: its one Exited (a hard exit on another thread may have posted it already)."""
        s = self.s
        with s.parking.cv:
            if not self._claim_end():
                return
            s.run.exited()
            s.exit_code = code
            s.parking.steps.clear()
            s.parking.stops.clear()
            s.stop_event = None
        if s.io.terminal is not None:
            s.io.terminal.settle()  # what the program wrote shows before the news that it exited
        s.emit(Exited(code))

    def _claim_end(self) -> bool:
        """Under the parking lock: is this the run's end to tell (not told already)?"""
        if self._ended:
            return False
        self._ended = True
        return True

    def _hard_exit(self, code: int) -> None:
        """`os._exit(code)` in the program (on a thread of the debugger's own; the process ends right after)."""
        exit_guard.exiting.set()
        self._post_exited(code)

    def _run_to_end(self) -> int:
        """Run the program's code, then wait for its threads and run its atexit handlers, as Python does at
        exit; the exit code. Until it returns, `terminate` may interrupt this thread (a wait for a blocked
        thread ends with code 1); a terminated run waits for no thread and runs no atexit handler."""
        with self.s.parking.cv:
            self._interruptible = True
        try:
            code = self._run_code()
            self._join_program_threads()
            self._atexit.run()
            return code
        except Terminate:
            return 1
        finally:
            with self.s.parking.cv:
                self._interruptible = False

    def _run_code(self) -> int:
        s = self.s
        assert s.target is not None
        try:
            launch.run(s.target, prepare=getattr(s.backend, "prepare", None))
        except Terminate:
            raise  # the run is being ended: no waiting for its threads
        except SystemExit as exc:
            return _exit_code(exc)
        except BaseException as exc:
            self.post_mortem(exc)
            s.threads.chain_excepthook(exc)  # then the program's own sys.excepthook, as Python would
            # an uncaught KeyboardInterrupt ends a Python process by SIGINT: a shell sees 128 + 2
            return 130 if isinstance(exc, KeyboardInterrupt) else 1
        finally:
            sys.settrace(None)
        return 0

    def _program_threads(self) -> list[threading.Thread]:
        """The program's non-daemon threads still alive (those Python waits for at exit), this one aside."""
        me = threading.current_thread()
        idents = self.s.debuggee_idents
        return [t for t in threading.enumerate() if t.ident in idents and t is not me and not t.daemon]

    def _join_program_threads(self) -> None:
        for t in self._program_threads():
            t.join()

    def _tell_left_behind(self, wait: float = 0.5) -> None:
        """After a terminated run: the program's threads end at their next line; one blocked in a call outside
        Python code (a sleep, accept, select) never gets one. Those are named to the front end: they stay in
        the process (a server serves on; a stdio server ends without them)."""
        deadline = time.monotonic() + wait
        left = self._program_threads()
        for t in left:
            t.join(max(0.0, deadline - time.monotonic()))
        left = [t for t in left if t.is_alive()]
        if left:
            names = ", ".join(repr(t.name) for t in left)
            self.s.emit(
                Output(
                    "console",
                    f"dapper-tui: the program's thread{'s' if len(left) > 1 else ''} {names} did not end "
                    "(blocked in a call outside Python code); left behind as the program ends.\n",
                )
            )

    def post_mortem(self, exc: BaseException) -> None:
        """An uncaught exception: its traceback to stderr, and a stop at the frame it came from."""
        s = self.s
        tb_text = "".join(traceback.format_exception(exc))
        s.emit(Output("stderr", _strip_own_frames(tb_text)))
        if "uncaught" not in s.exception_filters or s.run.ending:
            return
        try:
            s.stop_post_mortem(exc)
        except Terminate:
            pass

    def _thread_started(self, thread: threading.Thread) -> None:
        self.s.backend.thread_start()
        self.s.emit(ThreadEvent("started", threading.get_ident(), thread.name))

    def _thread_exited(self, thread: threading.Thread) -> None:
        self.s.emit(ThreadEvent("exited", threading.get_ident(), thread.name))

    def _thread_uncaught(self, exc: BaseException) -> None:
        if not isinstance(exc, Terminate):
            self.post_mortem(exc)

    # -- ending -------------------------------------------------------------------------------------------
    def terminate(self, wait: float = 2.0) -> None:
        s = self.s
        if s.state not in ("running", "stopped"):
            return
        s.parking.wake_to_end()
        s.io.send(None)
        s.backend.watch_frames(s.program_frames())
        main = self.thread
        if main is None:
            return
        deadline = time.monotonic() + wait
        main.join(min(wait, 0.5))
        while main.is_alive() and (left := deadline - time.monotonic()) > 0:
            self._interrupt_blocked(main.ident)
            main.join(min(left, 0.1))
        if main.is_alive() and not self._ended and not self._told_stuck and wait >= 2.0:
            self._told_stuck = True  # (a shorter wait is a session closing: nobody to tell)
            text = f"dapper-tui: the program did not end when asked ({wait:g} s ago): it may be {_STUCK}.\n"
            s.emit(Output("console", text))

    def _interrupt_blocked(self, ident: int | None) -> None:
        """The program's thread got no line event to end at: it is blocked in a call (sleep, accept, a lock, the
        wait for the program's threads). A signal gets it out, as a line event would (once a second), and never
        once the run is ending: that would cut short its Exited."""
        parking = self.s.parking
        with parking.cv:
            if self.runner is None or ident is None or not self._interruptible or ident in parking.stops:
                return
            if parking.terminate_now(ident):
                self.runner.interrupt(Terminate(1))

    def restart(self, *, stop_on_entry: bool = False) -> None:
        s = self.s
        target = s.target
        if target is None:
            raise RuntimeError("nothing was launched")
        self.terminate(wait=5.0)
        if self.thread is not None:
            # An exited program's thread may still be finishing (it announces Exited, then returns): wait for it.
            self.thread.join(5.0)
        if self.thread is not None and self.thread.is_alive():
            raise RuntimeError("the program did not end (it may be blocked outside Python code); try again")
        for name in set(sys.modules) - self._modules_before:
            mod = sys.modules.get(name)
            file = getattr(mod, "__file__", None)
            if isinstance(file, str) and is_user_file(file):
                del sys.modules[name]
        with s.parking.cv:
            s.run.idle()
        self.launch(target, stop_on_entry=stop_on_entry)


_STUCK = "blocked outside Python code, in a call the debugger's interrupt does not end (or it handles SIGINT itself)"
_MAIN_THREAD_TAKEN = (
    f"an earlier program still runs on the main thread and did not end when asked (it may be {_STUCK}): "
    "nothing else can run here until it ends; restart the server"
)


def exc_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def tb_stack(tb: TracebackType | None) -> list[tuple[FrameType, int]]:
    out = []
    while tb is not None:
        if not is_own_file(tb.tb_frame.f_code.co_filename):
            out.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    out.reverse()
    return out


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _strip_own_frames(tb_text: str) -> str:
    """Drop the debugger's own frames from a traceback shown to the user."""
    lines = tb_text.splitlines(keepends=True)
    out: list[str] = []
    skip = False
    for line in lines:
        if line.startswith('  File "'):
            filename = line.split('"', 2)[1]
            skip = is_own_file(filename)
        elif not line.startswith("    "):
            skip = False
        if not skip:
            out.append(line)
    return "".join(out)
