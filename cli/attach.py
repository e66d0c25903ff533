"""Attaching the debugger to a program that is already running: `set_trace()`, `breakpoint()` with
`PYTHONBREAKPOINT=dapper_tui.set_trace`, `post_mortem()` and the pytest plugin.

A program launched by dapper-tui (the TUI, `--plain`, the DAP server) already has a session: a call stops in it
as `breakpoint()` does. Otherwise the first call attaches one: the engine's hooks go in (`AttachedProgram.attach`,
the launch without running anything), a front end starts on a thread of its own, and the calling thread stops at
the caller's line. The program keeps the main thread, as it had it; it runs on under the debugger after
continue, and its end (interpreter shutdown) is told to the front end, which stays until it is quit.

Which front end (`choose_front_end`):
- stdin, stdout and stderr are terminals: the full-screen TUI (`DAPPER_TUI_PLAIN=1` or `TERM=dumb`: the line console);
- stdin is a pipe, a file or a socket (no terminal): the line console, reading its commands from stdin; at end
  of file the debugger lets go and the program runs on without it;
- neither (stdin is /dev/null, a device, or closed): one line on stderr says why, and the program runs on.
Quitting a front end ends the program, as it does for a launched one (and as pdb's `q` does).
"""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from dapper_tui.engine.events import Output
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.parking import Terminate
from dapper_tui.engine.program import Program, tb_stack
from dapper_tui.engine.sources import is_user_file

if TYPE_CHECKING:
    from dapper_tui.engine.session import DebugSession

PLAIN_ENV = "DAPPER_TUI_PLAIN"
READY_SECONDS = 30.0  # how long the program waits for its front end to come up before running on without it


class _Run:
    """The attached program's thread, joinable like the ProgramRun a launch makes: done at its end."""

    def __init__(self, ident: int | None) -> None:
        self.ident: int | None = ident
        self.done = threading.Event()

    def join(self, timeout: float | None = None) -> None:
        self.done.wait(timeout)

    def is_alive(self) -> bool:
        return not self.done.is_set()


class AttachedProgram(Program):
    """The session's `program` for a process that was started by python, not by dapper-tui: nothing to launch
    or restart; the run ends when the interpreter shuts down."""

    def __init__(self, session: DebugSession) -> None:
        super().__init__(session, None)
        self.uncaught = False  # the program's thread died of an exception: exit code 1
        self.front_end_gone = False  # the front end was quit or let go: later set_trace calls run on
        # pytest --dapper: re-run the failed test (set by the plugin while its post-mortem stop lasts)
        self.rerun: Callable[[], None] | None = None

    # -- attaching ------------------------------------------------------------------------------------------
    def attach(self, target: LaunchTarget) -> None:
        """The launch without the run: the engine's hooks go into this process. The calling thread becomes the
        program's only when it stops (`stop_here`): threads a front end starts before then are not debuggees."""
        s = self.s
        s.target = target
        s.exit_code = None
        with s.parking.cv:
            s.run.launching()
        _install_quiet_terminate()
        self._install()
        with s.parking.cv:
            s.run.launched()
        self.thread = _Run(None)  # the program's thread: the first one that stops
        try:
            threading._register_atexit(self._at_shutdown)  # type: ignore[attr-defined]
        except (AttributeError, RuntimeError):  # shutting down already: the front end sees no exit
            pass

    def join_current_thread(self) -> None:
        """The calling thread is the program's from now on (traced, stopped with the others)."""
        s = self.s
        if isinstance(self.thread, _Run) and self.thread.ident is None:
            self.thread.ident = threading.get_ident()
        if threading.get_ident() not in s.debuggee_idents:
            s.threads.add_current()
            s.backend.thread_start()
        s.backend.refresh(s.program_frames())

    # -- stopping -------------------------------------------------------------------------------------------
    def stop_here(self, frame: FrameType, reason: str = "breakpoint()") -> None:
        if self.front_end_gone or self.s.state not in ("running", "stopped"):
            return
        self.join_current_thread()
        self.s.stop_at(frame, reason)

    def stop_post_mortem(self, exc: BaseException, tb: TracebackType | None = None) -> bool:
        """Stop on the frame `exc` was raised in; False when there is no frame of the program to show."""
        if self.front_end_gone or self.s.state not in ("running", "stopped"):
            return False
        if not tb_stack(tb if tb is not None else exc.__traceback__):
            return False
        self.join_current_thread()
        return self.s.stop_post_mortem(exc, tb)

    def _thread_uncaught(self, exc: BaseException) -> None:
        if (
            not isinstance(exc, Terminate)
            and self.thread is not None
            and threading.get_ident() == self.thread.ident
        ):
            self.uncaught = True
        super()._thread_uncaught(exc)

    # -- what a launch does, that an attached program cannot ------------------------------------------------
    def launch(self, target: LaunchTarget, *, stop_on_entry: bool = False) -> None:
        raise RuntimeError(
            "the program was started by python, not by dapper-tui: it cannot be launched again"
        )

    def restart(self, *, stop_on_entry: bool = False) -> None:
        raise RuntimeError("the program was started by python, not by dapper-tui: it cannot be restarted")

    # -- the end --------------------------------------------------------------------------------------------
    def _at_shutdown(self) -> None:
        """The interpreter shuts down (the main thread's code is over): wait for the program's threads as
        Python does, then tell the front end, which stays until it is quit."""
        s = self.s
        if s.state not in ("running", "stopped"):
            return
        try:
            self._join_program_threads()
        except Terminate:
            pass
        self.finish(1 if self.uncaught or s.run.ending else 0)  # a SystemExit's own code is not known here

    def finish(self, code: int) -> None:
        if self.s.threads.is_debuggee():
            self.s.threads.discard_current()
        self._post_exited(code)
        if isinstance(self.thread, _Run):
            self.thread.done.set()

    def _claim_end(self) -> bool:
        return self.s.state in ("running", "stopped")

    def detach(self) -> None:
        """The front end lets go without ending the program (the line console's input ended): it runs on,
        without breakpoints, its output back where it went before."""
        s = self.s
        self.front_end_gone = True
        if s.state not in ("running", "stopped"):
            return
        with s.parking.cv:
            s.breakpoints.remove_temporaries()
        for bp in list(s.breakpoint_list()):
            if bp.path:
                s.set_breakpoints(bp.path, [])
        s.set_function_breakpoints([])
        s.exception_filters = frozenset()
        if s.state == "stopped":
            try:
                s.continue_()
            except RuntimeError:
                pass
        s.io.uninstall()
        s.threads.uninstall()
        s.uninstall_breakpointhook()


# -- which session a call stops in ------------------------------------------------------------------------
_attached: AttachedProgram | None = None
_lock = threading.Lock()


def launched_session() -> DebugSession | None:
    """The session of a program dapper-tui launched (its breakpoint hook is installed), if this is one."""
    owner = getattr(sys.breakpointhook, "__self__", None)
    from dapper_tui.engine.session import DebugSession

    return owner if isinstance(owner, DebugSession) else None


def set_trace(frame: FrameType) -> None:
    session = launched_session()
    if session is not None and not isinstance(session.program, AttachedProgram):
        if _stoppable(session):
            session.stop_at(frame, "breakpoint()")
        return
    if _attached is not None and _attached.s.in_debugger(threading.get_ident()):
        return  # called by an expression the debugger evaluates: no stop inside a stop
    program = _attach(frame, "set_trace()")
    if program is not None:
        program.stop_here(frame)


def post_mortem(
    exc: BaseException,
    tb: TracebackType | None,
    caller: FrameType,
    *,
    tests: bool = False,
    rerun: Callable[[], None] | None = None,
) -> None:
    session = launched_session()
    if session is not None and not isinstance(session.program, AttachedProgram):
        if _stoppable(session):
            session.stop_post_mortem(exc, tb)
        return
    if _attached is not None and _attached.s.in_debugger(threading.get_ident()):
        return
    shown = [
        f
        for f, _ in tb_stack(tb if tb is not None else exc.__traceback__)
        if is_user_file(f.f_code.co_filename)
    ]
    program = _attach(shown[-1] if shown else caller, "post_mortem()", tests=tests)
    if program is None:
        return
    program.rerun = rerun
    try:
        program.stop_post_mortem(exc, tb)
    finally:
        program.rerun = None


def _stoppable(session: DebugSession) -> bool:
    """A thread of the launched program, not running an expression the debugger evaluates."""
    ident = threading.get_ident()
    return ident in session.debuggee_idents and not session.in_debugger(ident)


def attached() -> AttachedProgram | None:
    return _attached


def _attach(frame: FrameType, what: str, *, tests: bool = False) -> AttachedProgram | None:
    """The attached program, attaching a front end first if none is."""
    global _attached
    with _lock:
        if _attached is not None:
            return None if _attached.front_end_gone else _attached
        front = choose_front_end()
        if front is None:
            where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
            _say(
                f"dapper-tui: {what} at {where} skipped: no terminal to open the debugger on, and stdin is not "
                "a pipe to read console commands from. The program runs on."
            )
            return None
        target = _target_of(frame)
        try:
            if front == "tui":
                from dapper_tui.tui.run import attach_app

                _attached = attach_app(target, READY_SECONDS, tests=tests)
            else:
                from .attached_console import attach_console

                _attached = attach_console(target, READY_SECONDS)
        except Exception as exc:  # no front end: the program must not die of the debugger
            _say(
                f"dapper-tui: {what}: the debugger could not start ({type(exc).__name__}: {exc}). Running on."
            )
            return None
        return _attached


def choose_front_end() -> str | None:
    """ "tui", "console" or None (see the module's docstring)."""
    stdin = _fd_kind(0)
    if stdin == "tty" and _fd_kind(1) == "tty" and _fd_kind(2) == "tty":
        if os.environ.get(PLAIN_ENV) in ("1", "true", "yes") or os.environ.get("TERM") == "dumb":
            return "console"
        return "tui"
    if stdin in ("tty", "pipe"):
        return "console"
    return None


def _fd_kind(fd: int) -> str | None:
    try:
        if os.isatty(fd):
            return "tty"
        mode = os.fstat(fd).st_mode
    except OSError:
        return None
    if stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode):
        return "pipe"
    return None


def _target_of(frame: FrameType) -> LaunchTarget:
    """What the front end shows as the program: the script python ran, else the caller's file (pytest's
    own script is not the program being debugged)."""
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if isinstance(main, str) and os.path.isfile(main) and is_user_file(main):
        return LaunchTarget(program=main, args=sys.argv[1:])
    return LaunchTarget(program=frame.f_code.co_filename, args=sys.argv[1:])


def _say(text: str) -> None:
    err = sys.__stderr__
    if err is None:
        return
    try:
        print(text, file=err, flush=True)
    except (OSError, ValueError):
        pass


_previous_excepthook: Any = None


def _install_quiet_terminate() -> None:
    """Quitting the front end ends the program with Terminate: at the top it ends the process quietly (it is a
    SystemExit, but the engine's hooks may be gone by then and an uncaught one must print nothing)."""
    global _previous_excepthook
    if _previous_excepthook is not None:
        return
    _previous_excepthook = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if isinstance(exc, Terminate):
            return
        _previous_excepthook(exc_type, exc, tb)

    sys.excepthook = hook


def emit_note(program: AttachedProgram, text: str) -> None:
    program.s.emit(Output("console", text if text.endswith("\n") else text + "\n"))
