"""The debug session: the one object a front end (Textual app, DAP server, line console) drives.

The program runs in this process on its own thread(s). When a debuggee thread stops, it parks inside the
tracing callback; every other debuggee thread parks at its next line, so all of them stop together. The front end
is told through `on_event` (called on debuggee threads: marshal it onto your own loop) and inspects with the
methods below, which may be called from any thread. Evaluation and variable writes run on the stopped thread.

The session stops the program (`stop_at`) and resumes it; its collaborators do the rest: where the program stops
(`stop_rules.StopRules`, what the tracing callbacks ask), the run state (`runstate.Run`), parking
(`parking.Parking`), the frame ids (`frames.FrameTable`), the program's run (`program.Program`), inspection
(`inspection.Inspection`) and reloads (`reloading`).

The engine's collaborators (and cli/attach.py) use a small internal API, never the session's private members:
`emit` (tell the front end), `stop_at` and `stop_post_mortem` (stop the calling thread), `refresh_tracing`,
`program_frames`, `in_debugger` (is a thread running the debugger's own work) and `reload_lock` (held while the
program must not run).
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from . import launch
from .breakpoints import Breakpoint, BreakpointSpec, BreakpointTable
from .events import Continued, Event, LoadedSource, Stopped
from .frame_edit import FrameEditor
from .framecode import Refused
from .frames import FrameInfo, FrameTable, program_frames
from .frames import program_stack as _stack
from .goto import Goto
from .importlock import ImportLockStops
from .inspection import Inspection
from .main_thread import MainThreadRunner
from .old_lines import OldLines
from .parking import Parking, Step, StepMode, describe_stop
from .program import Program, RunHandle, exc_text, tb_stack
from .programio import ProgramIO
from .reloading import reload_in
from .runstate import Demand, Run, RunState
from .sources import Source, loaded_sources
from .stop_rules import StopRules
from .threads import DebuggeeThreads, ThreadInfo
from .tracing import make_backend
from .variables import Scope, Variable, VariableStore

if TYPE_CHECKING:
    from .hotreload import ReloadOptions, ReloadResult

__all__ = ["DebugSession", "FrameInfo", "RunState", "StepMode"]

_get_ident = threading.get_ident


class DebugSession:
    def __init__(
        self,
        on_event: Callable[[Event], None] | None = None,
        *,
        just_my_code: bool = True,
        runner: MainThreadRunner | None = None,
    ) -> None:
        self._listeners: list[Callable[[Event], None]] = [on_event] if on_event else []
        self._import_lock = ImportLockStops()  # stops skipped because the thread held the import lock
        self.subscribe(self._import_lock.on_event)
        self.just_my_code = just_my_code
        self.threads = DebuggeeThreads()
        self.debuggee_idents = self.threads.idents  # read by the tracing callbacks
        self.breakpoints = BreakpointTable()
        self.io = ProgramIO(self.threads, self.emit)
        self.vars = VariableStore()
        self.editor = FrameEditor(self)  # edit and continue: frames follow a reload; restart frame
        self.old_lines = OldLines(self.editor.old_source)  # breakpoint lines in code a reload replaced
        self.target: launch.LaunchTarget | None = None
        self.exit_code: int | None = None
        self.stop_event: Stopped | None = None  # the last stop, while stopped

        self.run = Run(self._publish_demand)  # the run state; every change to it is one of its transitions
        self.frames = FrameTable()  # the ids the front end names a stopped program's frames by
        self.parking = Parking(self.run, self.frames, self.debuggee_idents)
        self._cv = self.parking.cv
        # A reload runs on the caller's thread while the program is stopped; resuming waits for it to finish,
        # so the program never runs while its functions are being patched (an F5 right after a save).
        self.reload_lock = threading.Lock()
        self._steps = self.parking.steps
        self._in_debugger = self.parking.in_debugger
        self.rules = StopRules(self)  # where the program stops: what the tracing callbacks ask
        self.backend = make_backend(self.rules)
        # Where the program runs: the interpreter's main thread when a front end serves it (`runner`), else a
        # thread of its own (the engine's tests, an embedding that keeps its main thread).
        self.runner = runner
        if runner is not None:
            runner.on_interrupt = self.pause  # Ctrl+C / kill -INT pauses
        self.program = Program(self, runner)
        self.inspection = Inspection(self)
        self.jumps = Goto(self)  # jump to a line (set next statement)
        self._installed = False
        self._announced: set[str] = set()  # loaded sources already told to the front end
        self._saved_hooks: tuple[Any] | None = None
        self.exception_filters: frozenset[str] = frozenset({"uncaught"})

    @property
    def state(self) -> RunState:
        return self.run.state

    def _publish_demand(self, demand: Demand | None) -> None:
        self.rules.demand = demand  # read by the tracing callbacks once per line event

    # -- events -------------------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def emit(self, event: Event) -> None:
        """Tell every listener. Listeners run on the posting (often a debuggee) thread; threads they start
        are the debugger's, not the program's."""
        ident = _get_ident()
        quiet = ident in self.threads.quiet
        self.threads.quiet.add(ident)
        try:
            for listener in list(self._listeners):
                try:
                    listener(event)
                except Exception:  # a front end bug must not kill the program
                    traceback.print_exc(file=sys.__stderr__)
        finally:
            if not quiet:
                self.threads.quiet.discard(ident)

    # -- stopping and parking -----------------------------------------------------------------------------
    def stop_at(
        self,
        frame: FrameType,
        reason: str,
        bp: Breakpoint | None = None,
        *,
        text: str = "",
        frames: list[tuple[FrameType, int]] | None = None,
        post_mortem: bool = False,
    ) -> None:
        """Stop the calling (debuggee) thread at `frame` and park it there until a resume; every other debuggee
        thread parks at its next line. `frames`: the stack to show (innermost first), when not `frame`'s own."""
        ident = _get_ident()
        with self._cv:
            if self.run.state is RunState.STOPPED:  # another thread stopped first: join it quietly
                stop = None
            elif not post_mortem and self._import_lock.skip(ident, frame, describe_stop(reason, bp, text)):
                stop = None  # parked holding the import lock, it would block every import: step on instead
                self._steps[ident] = Step("into", frame)
                self.run.into = True
                self.backend.watch_frames([f for f, _ in frames or _stack(frame)])
            else:
                stack = frames if frames is not None else _stack(frame)
                stop = self.parking.take_stop(ident, stack, reason, post_mortem)
                self.rules.pending_functions.clear()
                self.breakpoints.remove_temporaries()  # a run-to-line ends at the next stop, wherever it is
        if stop is None:
            self.parking.park_quietly(frame, frames)
            return
        self._wake_other_threads(ident)
        self._announce_new_sources()
        top, top_line = stop.frames[0]
        old_code = self.editor.runs_old_code(top)  # its line is one of the old text it runs
        event = Stopped(
            reason=reason,  # type: ignore[arg-type]
            thread_id=ident,
            description=self._import_lock.describe(
                ident, describe_stop(reason, bp, text, top_line if old_code else None)
            ),
            text=text,
            hit_breakpoint_ids=(bp.id,) if bp is not None else (),
            post_mortem=post_mortem,
            old_code=old_code,
        )
        self.stop_event = event
        self.emit(event)
        self.parking.park(ident, stop.gen)

    def stop_post_mortem(self, exc: BaseException, tb: TracebackType | None = None) -> bool:
        """Stop on the frame an uncaught `exc` came from (of its traceback, or of `tb`); False when none of the
        traceback's frames is the program's."""
        frames = tb_stack(tb if tb is not None else exc.__traceback__)
        if not frames:
            return False
        self.stop_at(frames[0][0], "exception", text=exc_text(exc), frames=frames, post_mortem=True)
        return True

    def _announce_new_sources(self) -> None:
        for src in loaded_sources():
            if src.path not in self._announced:
                self._announced.add(src.path)
                self.emit(LoadedSource("new", src.path, src.module))

    def program_frames(self, skip: int | None = None) -> list[FrameType]:
        """The running frames of every debuggee thread (but `skip`), without the debugger's own frames."""
        return program_frames(self.debuggee_idents, skip)

    def _wake_other_threads(self, stopped: int) -> None:
        frames = self.program_frames(skip=stopped)
        if frames:
            self.backend.watch_frames(frames)

    # -- the program's run -------------------------------------------------------------------------------
    def launch(self, target: launch.LaunchTarget, *, stop_on_entry: bool = False) -> None:
        """Start the program on its own thread. Returns at once; events tell what happens."""
        self.program.launch(target, stop_on_entry=stop_on_entry)

    def terminate(self, wait: float = 2.0) -> None:
        self.program.terminate(wait)

    def restart(self, *, stop_on_entry: bool = False) -> None:
        """End the program if it runs, forget the modules it imported, and launch it again."""
        self.program.restart(stop_on_entry=stop_on_entry)

    def close(self) -> None:
        """End the program if it runs, and take every hook out of the process."""
        self.program.close()

    @property
    def program_thread(self) -> RunHandle | None:
        """The program's main thread (a thread of its own, or its run on the runner's main thread) once it
        was launched; None before. Its `ident` is the thread id the front ends show for it."""
        return self.program.thread

    @property
    def hooks_installed(self) -> bool:
        """Whether the program's run has put the session's hooks (tracing, streams, threads, breakpoint hook)
        into the process. Set to False in a forked child, which lets go of them (engine/forking.py)."""
        return self._installed

    @hooks_installed.setter
    def hooks_installed(self, installed: bool) -> None:
        self._installed = installed

    def forget_function_hits(self) -> None:
        self.rules.pending_functions.clear()

    def in_debugger(self, ident: int) -> bool:
        """Is thread `ident` running the debugger's own work (an expression it evaluates, a command it runs on a
        parked thread)? Nothing stops there."""
        return ident in self._in_debugger

    def tell_only(self, listener: Callable[[Event], None]) -> None:
        """From now on events go to `listener` alone (a forked child: its front end is not there)."""
        self._listeners[:] = [listener]

    def breakpointhook_is_ours(self) -> bool:
        """Is `sys.breakpointhook` still the session's (not one the program has put in since)?"""
        return sys.breakpointhook == self._breakpointhook

    def install_breakpointhook(self) -> None:
        self._saved_hooks = (sys.breakpointhook,)
        sys.breakpointhook = self._breakpointhook

    def uninstall_breakpointhook(self) -> None:
        if self._saved_hooks:
            (sys.breakpointhook,) = self._saved_hooks

    def _breakpointhook(self, *args: Any, **kwargs: Any) -> Any:
        if _get_ident() not in self.debuggee_idents or _get_ident() in self._in_debugger:
            assert self._saved_hooks is not None
            return self._saved_hooks[0](*args, **kwargs)  # breakpoint() returns what the hook returns
        self.stop_at(sys._getframe(1), "breakpoint()")
        return None

    # -- commands -----------------------------------------------------------------------------------------
    def _resume(self, step: StepMode | None = None, thread_id: int | None = None) -> None:
        with self.reload_lock, self._cv:
            if self.state != "stopped":
                raise RuntimeError(f"the program is {self.state}, not stopped")
            stopped = self.stop_event.thread_id if self.stop_event else None
            tid, step_frames = self.parking.resume(step, thread_id, stopped)
            self.vars.clear()
            self.stop_event = None
            self.backend.resume()
            if step_frames:
                self.backend.watch_frames(step_frames)
        self.emit(Continued(tid or 0))

    def continue_(self, thread_id: int | None = None) -> None:
        self._resume(None, thread_id)

    def step_over(self, thread_id: int | None = None) -> None:
        self._resume("over", thread_id)

    def step_in(self, thread_id: int | None = None) -> None:
        self._resume("into", thread_id)

    def step_out(self, thread_id: int | None = None) -> None:
        self._resume("out", thread_id)

    def pause(self) -> None:
        """Stop the running program at its next line (in the program's own code)."""
        if self.state != "running":
            return
        self.run.pause()
        self.backend.watch_frames(self.program_frames())

    def run_to_line(self, path: str, line: int) -> Breakpoint:
        """Run on to `line` (or the next line with code after it): a hidden breakpoint that lasts until the
        program's next stop, wherever that is, and never outlives this run of the program."""
        if self.state not in ("running", "stopped"):
            raise RuntimeError(f"run to line: the program is {self.state}, not running or stopped")
        bp = self.breakpoints.add_temporary(path, line, run=self.program_thread)
        self.refresh_tracing()
        if self.state == "stopped":
            self.continue_()
        return bp

    def send_input(self, text: str | None) -> None:
        self.io.send(text)

    # -- breakpoints --------------------------------------------------------------------------------------
    def set_breakpoints(self, path: str, specs: list[BreakpointSpec] | list[int]) -> list[Breakpoint]:
        specs = [s if isinstance(s, BreakpointSpec) else BreakpointSpec(int(s)) for s in specs]
        result = self.breakpoints.set_lines(path, specs)
        self.refresh_tracing()
        return result

    def set_function_breakpoints(
        self, names: list[str | tuple[str, str | None, str | None]]
    ) -> list[Breakpoint]:
        entries = [(n, None, None) if isinstance(n, str) else n for n in names]
        result = self.breakpoints.set_functions(entries)
        self.refresh_tracing()
        return result

    def set_exception_breakpoints(self, filters: set[str] | list[str]) -> None:
        unknown = set(filters) - {"uncaught", "raised"}
        if unknown:
            raise ValueError(
                f"unknown exception filter(s): {', '.join(sorted(unknown))}; use uncaught, raised"
            )
        self.exception_filters = frozenset(filters)
        self.refresh_tracing()

    def refresh_tracing(self) -> None:
        """Breakpoints or filters changed: the backend looks again at which code must report its lines."""
        if not self._installed:
            return
        self.backend.refresh(self.program_frames())

    # -- inspection (see engine/inspection.py) --------------------------------------------------------------
    def thread_list(self) -> list[ThreadInfo]:
        """The debuggee threads. While the program is stopped, every one of them is: those blocked in a call
        (sleep, a lock, I/O) park as soon as it returns, and their frames show meanwhile."""
        return self.inspection.thread_list()

    def stack(self, thread_id: int | None = None, *, just_my_code: bool | None = None) -> list[FrameInfo]:
        return self.inspection.stack(thread_id, self.just_my_code if just_my_code is None else just_my_code)

    def frame(self, frame_id: int) -> FrameType:
        return self.frames.frame(frame_id)

    def scopes(self, frame_id: int) -> list[Scope]:
        return self.vars.scopes(self.frame(frame_id))

    def variables(self, reference: int, start: int = 0, count: int | None = None) -> list[Variable]:
        return self.vars.children(reference, start, count)

    def evaluate(self, expression: str, frame_id: int | None = None) -> Variable:
        """Evaluate in the selected frame (the top frame of the stopped thread by default)."""
        is_expr, value = self.inspection.evaluate(expression, frame_id)
        if not is_expr:
            return Variable(expression, "", "statement")
        return self.vars.describe(expression, value, expression)

    def evaluate_value(self, expression: str, frame_id: int | None = None) -> Any:
        """Like evaluate, but return the value itself (None for a statement), for a console's `p`/`pp`."""
        return self.inspection.evaluate(expression, frame_id)[1]

    def set_variable(self, reference: int, name: str, value_expression: str) -> Variable:
        return self.inspection.set_variable(reference, name, value_expression)

    def loaded_sources(self, *, include_library: bool = False) -> list[Source]:
        return loaded_sources(include_library=include_library)

    def breakpoint_list(self) -> list[Breakpoint]:
        return self.breakpoints.all()

    # -- hot reload ---------------------------------------------------------------------------------------
    def reload(self, path: str, options: ReloadOptions | dict[str, Any] | None = None) -> ReloadResult:
        """Hot-reload a loaded source while stopped (see engine/hotreload). The program's own files and loaded
        library files reload (a library one with a warning); the standard library and dapper-tui's own modules
        are refused, with the reason. The result is also told as a Reloaded event."""
        return reload_in(self, path, options)

    def old_source(self, frame_id: int) -> str | None:
        """The text a frame that runs replaced (old) code was compiled from; None for a frame on current code."""
        return self.editor.old_source(self.frame(frame_id).f_code)

    def restart_frame(self, frame_id: int) -> int:
        """Drop the frame and run its function again from its first line, in its current code, with its
        parameters' current values. Returns the line it now stands on; raises ValueError with the reason."""
        with self.reload_lock:
            with self._cv:
                if self.state != "stopped":
                    raise ValueError("the program is not stopped")
            frame, ident = self.inspection.frame_and_thread(frame_id)
            try:
                line = self.editor.restart(frame, ident)
            except Refused as exc:
                raise ValueError(f"cannot restart {frame.f_code.co_qualname}: {exc}") from None
        event = Stopped(reason="restart", thread_id=ident, description="Frame restarted")
        self.stop_event = event
        self.emit(event)
        return line

    def goto(self, line: int, thread_id: int | None = None) -> int:
        """Jump: the stopped thread's innermost frame goes on from `line` (engine/goto.py); a Stopped event of
        reason "goto" follows. Returns the line it now stands on; raises ValueError (GotoRefused) with the reason."""
        with self.reload_lock:
            return self.jumps.jump(self.jumps.thread(thread_id), line)
