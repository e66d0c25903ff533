"""`os.fork()` under the debugger: the child lets go of the debugger and runs on by itself.

The program runs in the debugger's own process, so a fork copies the whole debugger into the child: the tracing
(sys.monitoring events and callbacks, the 3.11 bytecode hooks and trace functions), the breakpoints, the stepping
state, the engine's locks, and the front end's listeners. Only the forking thread survives. Left like that, the
child hangs for good as soon as it meets a breakpoint line, a step in progress or a `breakpoint()` call: it
stops, tells a front end that is not there (its listeners are copies, on threads that do not exist in the
child), and parks until a resume nobody can send. A lock that another thread held at the moment of the fork
(the session's condition, the backend's lock, a listener's queue) is held for ever in the child too. The
parent, waiting for its child, hangs with it.

Detach, not follow. Following a child would need a second debug session: its own front end connection, its own
Output and threads views, and a way to tell the user "a process started" and let them attach. The engine has
one session per process and its front ends (the TUI, the line console, the DAP server) talk to that one; a
forked child has no channel back to them (the app's event loop and reader threads are not in the child). So
the child is let go of, completely, the way `debugpy` with `subProcess: false` or `pdb` treat a fork:

- tracing off: the backend is uninstalled (sys.monitoring events cleared, callbacks unregistered, tool id
  freed; on 3.11 the original code objects are put back, the hooks already running find no backend and do
  nothing, `sys.settrace` is off), so the child never stops;
- `Thread.start`, the exception hooks and the import hooks (room to grow, source tracking) are the ones
  from before the session (exception hooks the program set are kept); `breakpoint()` does nothing;
- every lock of the engine (the session's, its parts', its modules') is made anew, unheld;
- the program's output: `sys.stdout`/`sys.stderr` become line-buffered files on descriptors 1 and 2, which the
  child shares with its parent. Under the TUI those are the pipes to the Output pane (engine/fdcapture.py), so
  the child's output appears there, between the parent's lines; under the DAP server, its stderr. Proxies the
  program kept a reference to write there too. `sys.stdin` is `/dev/null`: nobody can answer the child's input;
- when the program's main thread ends in the child (the child ran to the end of the script or raised
  SystemExit), the child flushes its streams, waits for its own non-daemon threads and `os._exit`s with the
  program's exit code, instead of returning into the parent's debugger. Interpreter shutdown (atexit handlers,
  which belong to the parent as much as to the child) is not run.

`multiprocessing` needs nothing else: its 'fork' children are such children (they `os._exit` themselves), and
its 'spawn' and 'forkserver' children are new interpreters that never had a debugger.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import traceback
import warnings
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO, cast

from .events import Event, Exited

if TYPE_CHECKING:
    from .session import DebugSession

_PACKAGE = __name__.rpartition(".")[0]  # the engine package: its objects' locks are made anew in a child
_LOCKS: tuple[type, ...] = (
    type(threading.Lock()),
    type(threading.RLock()),
    threading.Condition,
    threading.Event,
)

_sessions: weakref.WeakSet[DebugSession] = weakref.WeakSet()
_registered = False


def detach_in_child(session: DebugSession) -> None:
    """The session has put its hooks into the process: a child forked from now on lets go of it."""
    global _registered
    _sessions.add(session)
    if not _registered:
        os.register_at_fork(
            before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
        )
        _registered = True


# CPython (3.12+) warns in the parent when the process has other threads. The debugger's own threads are no
# reason: before each fork, the warning is ignored if the program has no thread of its own besides the forking
# one. 3.11 and 3.12 warn before the `after_in_parent` hooks, which take the filter away again; 3.13 warns after
# them, so there it stays until the next fork decides again (it matches nothing but this warning).
_FORK_WARNING = r"This process \(pid=\d+\) is multi-threaded, use of \w+\(\) may lead to deadlocks"
_quiet: list[Any] = []  # the warnings filter put first for a fork


def _before_fork() -> None:
    _unquiet()
    sessions = [s for s in list(_sessions) if s.hooks_installed]
    if not sessions or any(len(s.threads.idents) > 1 for s in sessions):
        return
    warnings.filterwarnings("ignore", _FORK_WARNING, DeprecationWarning)
    _quiet.append(warnings.filters[0])


def _after_fork_in_parent() -> None:
    if sys.version_info < (3, 13):
        _unquiet()


def _unquiet() -> None:
    filters = cast("list[Any]", warnings.filters)
    while _quiet:
        entry = _quiet.pop()
        with contextlib.suppress(ValueError):
            filters.remove(entry)
            mutated = getattr(warnings, "_filters_mutated", None)
            if mutated is not None:
                mutated()


def _after_fork_in_child() -> None:
    _unquiet()
    sessions = [s for s in list(_sessions) if s.hooks_installed]
    _sessions.clear()
    if not sessions:
        return
    _reinit_locks([*_engine_modules(), *sessions])
    for session in sessions:
        _detach(session)


def _detach(session: DebugSession) -> None:
    """Everything the session put into the process, taken out; each step on its own, so one failing (a part
    someone changed) does not leave the child with the rest."""
    out, err = _descriptor_stream(1), _descriptor_stream(2)
    steps: tuple[Callable[[], None], ...] = (
        lambda: _forget_stops(session),
        lambda: _streams(session, out, err),
        lambda: _listeners(session),
        lambda: _tracing_off(session),
        lambda: _hooks_off(session),
    )
    for step in steps:
        try:
            step()
        except BaseException:  # the child must run on, whatever happens here
            _report(err)
    session.hooks_installed = False  # nothing in the child puts hooks back or takes them out again


def _forget_stops(session: DebugSession) -> None:
    """No stop, step or pause carries over; a thread parked in the fork (`os.fork()` evaluated in the debug
    console) runs on; an uncaught exception is printed, not stopped at."""
    session.parking.forget()
    session.forget_function_hits()
    session.exception_filters = frozenset()
    session.stop_event = None
    session.run.forked()
    session.parking.wake_all()


def _streams(session: DebugSession, out: TextIO, err: TextIO) -> None:
    session.threads.idents.clear()  # the proxies hand every write to their `_original` now
    session.threads.quiet.clear()
    session.threads.names.clear()
    stdin = open(os.devnull)  # noqa: SIM115 - the child's stdin for the rest of its life
    session.io.hand_over_in_child(out, err, stdin)
    # Under the TUI these are the app's terminal: the child must not draw on it.
    sys.__stdout__, sys.__stderr__ = out, err  # type: ignore[misc, assignment]


def _listeners(session: DebugSession) -> None:
    """The front end is not in the child: the end of the program ends the child. Nothing else the engine
    reports is for anyone there: the traceback of an uncaught exception is printed by the exception hook,
    as Python does (the engine's own hooks are gone, see `_hooks_off`)."""

    def listener(event: Event) -> None:
        if isinstance(event, Exited):
            _exit_child(event.exit_code)

    session.tell_only(listener)


def _exit_child(code: int) -> None:
    me = threading.current_thread()
    for t in threading.enumerate():
        if t is not me and not t.daemon:
            t.join()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass
    os._exit(code)


def _tracing_off(session: DebugSession) -> None:
    try:
        session.backend.uninstall()
    finally:
        sys.settrace(None)
        if sys.version_info >= (3, 12):
            _free_monitoring_tool()


def _free_monitoring_tool() -> None:
    """If the backend could not uninstall: no more events or callbacks for the debugger's tool id."""
    mon = sys.monitoring  # type: ignore[attr-defined, unused-ignore]
    for tool in range(6):
        if mon.get_tool(tool) == "dapper-tui":
            mon.set_events(tool, 0)
            for name in dir(mon.events):
                event = getattr(mon.events, name)
                if isinstance(event, int) and event > 0 and not event & (event - 1):  # one event, not a set
                    try:
                        mon.register_callback(tool, event, None)
                    except ValueError:
                        pass
            mon.free_tool_id(tool)


def _hooks_off(session: DebugSession) -> None:
    """`Thread.start` and the exception hooks as they were before the session, but those the program has set
    since (it runs on in the child); `breakpoint()` does nothing: it asks the debugger to stop, and the
    debugger is not in the child."""
    threads = session.threads
    threads.on_start = threads.on_exit = threads.on_uncaught = None
    threads.uninstall_keeping_program_hooks()
    if session.breakpointhook_is_ours():
        sys.breakpointhook = _no_breakpoint
    from .framecode import room

    room.uninstall()
    track_sources = getattr(sys.modules.get(f"{_PACKAGE}.hotreload"), "track_sources", None)
    if track_sources is not None:  # only if the session loaded it
        track_sources(False)


def _no_breakpoint(*args: Any, **kwargs: Any) -> None:
    return None


# -- locks --------------------------------------------------------------------------------------------------
def _engine_modules() -> list[Any]:
    return [m for name, m in list(sys.modules.items()) if name.startswith(_PACKAGE + ".") and m is not None]


def _reinit_locks(roots: list[Any]) -> None:
    """Every lock, condition and event held by the engine's objects and modules (one level of plain attributes
    down from each engine object, and the queues among them), made anew: the threads that held them at the
    fork are not in the child."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, _LOCKS):
            obj._at_fork_reinit()  # type: ignore[attr-defined]
            continue
        attrs = getattr(obj, "__dict__", None)
        if not isinstance(attrs, dict):
            continue
        for value in list(attrs.values()):
            if isinstance(value, (_LOCKS, queue.Queue)) or _is_engine_object(value):
                stack.append(value)


def _is_engine_object(value: Any) -> bool:
    kind = type(value)
    return kind.__module__.startswith(_PACKAGE + ".") and not isinstance(value, type)


# -- the child's streams --------------------------------------------------------------------------------------
def _descriptor_stream(fd: int) -> TextIO:
    try:
        os.fstat(fd)
    except OSError:
        return open(os.devnull, "w")
    return open(fd, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)


def _report(err: TextIO) -> None:
    try:
        err.write(
            f"dapper-tui: letting go of the debugger in a forked child failed:\n{traceback.format_exc()}"
        )
    except Exception:
        pass
