"""The `--plain` console's run control: launching the program (and a fresh engine session for `restart`), the
commands that resume it (c, n, s, r, unt, rf, pause), and waiting at the prompt until it stops or exits. A mixin
of `PlainConsole`, through the engine's public API only.

After a command that resumes the program the console waits for the next stop, as pdb does: the printer thread
(console/display.py) `_settle`s the wait at a stop, an exit, or a read of stdin, which is answered from here.
Ctrl-C while waiting pauses the program.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from dapper_tui.engine.events import Event
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.session import DebugSession, FrameInfo
from dapper_tui.engine.sources import is_user_file

from .inspection import Problem

if TYPE_CHECKING:
    from .breakpoints import ConsoleBreakpoints
    from .terminal import Terminal
    from .watching import SaveWatcher


class RunCommands:
    # what the console provides
    session: DebugSession
    target: LaunchTarget
    events: queue.Queue[Event | None]
    out: Terminal
    bps: ConsoleBreakpoints
    watcher: SaveWatcher | None
    frames: list[FrameInfo]
    quit: bool
    _settled: threading.Condition
    _waiting_for: str | None  # "stop" while the program runs
    _input_prompt: str | None
    _modules_before: set[str]

    if TYPE_CHECKING:  # the console's other parts

        def _drain(self) -> None: ...
        def _watch(self) -> None: ...
        def _need_stopped(self) -> FrameInfo: ...
        def _state_text(self) -> str: ...

    # -- launching ----------------------------------------------------------------------------------------
    def _launch(self, *, stop_on_entry: bool) -> None:
        if self.session.state != "idle":
            self._fresh_session()
        self._begin_wait()
        self._modules_before = set(sys.modules)
        self.session.launch(self.target, stop_on_entry=stop_on_entry)
        self._wait()

    def _fresh_session(self) -> None:
        """Restart with a new engine session (DebugSession.restart while stopped leaves stale state behind),
        the program's modules forgotten, the breakpoints set again and saves watched for the new session."""
        old = self.session
        old.close()
        self._drain()
        for name in set(sys.modules) - self._modules_before:
            file = getattr(sys.modules.get(name), "__file__", None)
            if isinstance(file, str) and is_user_file(file):
                sys.modules.pop(name, None)
        self.session = DebugSession(self.events.put, just_my_code=old.just_my_code, runner=old.runner)
        self.session.set_exception_breakpoints(set(old.exception_filters))
        self.bps.attach(self.session)
        self._watch()
        self.frames = []

    # -- waiting for a stop -------------------------------------------------------------------------------
    def _begin_wait(self) -> None:
        with self._settled:
            self._waiting_for = "stop"
            self._input_prompt = None

    def _settle(self) -> None:
        """The program stopped, exited or reads stdin (on the printer thread): the prompt may come back."""
        with self._settled:
            self._waiting_for = None
            self._settled.notify_all()

    def _wait(self) -> None:
        """Until the program stops or exits. Ctrl-C pauses it; a read of stdin is answered from here. At a stop,
        the saves made while it ran are reloaded before the prompt comes back."""
        while True:
            try:
                self._wait_settled()
                prompt = self._input_prompt
                if prompt is None:
                    break
                self._input_prompt = None
                text = self.out.read_line("", program_input=True)
                self._begin_wait()
                self.session.send_input(text)
            except KeyboardInterrupt:
                self.out.say("\n(pausing)", "info")
                self.session.pause()
        if self.watcher is not None and self.session.state == "stopped":
            self.watcher.settle()
            self._drain()

    def _wait_settled(self) -> None:
        with self._settled:
            while self._waiting_for is not None:
                self._settled.wait(0.2)
                if self.session.state in ("idle", "exited") and self.events.empty():
                    self._waiting_for = None

    # -- the commands -------------------------------------------------------------------------------------
    def _resume(self, how: Callable[[], None], *, start_stop_on_entry: bool) -> None:
        if self.session.state in ("idle", "exited"):
            self._launch(stop_on_entry=start_stop_on_entry)
            return
        if self.session.state != "stopped":
            raise Problem(f"the program is {self.session.state}")
        self._begin_wait()
        how()
        self._wait()

    def cmd_c(self, arg: str) -> None:
        self._resume(self.session.continue_, start_stop_on_entry=False)

    def cmd_n(self, arg: str) -> None:
        self._resume(self.session.step_over, start_stop_on_entry=True)

    def cmd_s(self, arg: str) -> None:
        self._resume(self.session.step_in, start_stop_on_entry=True)

    def cmd_r(self, arg: str) -> None:
        self._resume(self.session.step_out, start_stop_on_entry=True)

    def cmd_unt(self, arg: str) -> None:
        f = self._need_stopped()
        if not arg.isdigit():
            raise Problem("unt LINE: a line number of the current file")
        self._begin_wait()
        self.session.run_to_line(f.path, int(arg))
        self._wait()

    def cmd_restart(self, arg: str) -> None:
        self._launch(stop_on_entry=True)

    def cmd_rf(self, arg: str) -> None:
        f = self._need_stopped()
        self._begin_wait()
        try:
            self.session.restart_frame(f.id)
        except ValueError as exc:
            with self._settled:
                self._waiting_for = None
            raise Problem(str(exc)) from None
        self._wait()

    def cmd_pause(self, arg: str) -> None:
        if self.session.state != "running":
            raise Problem(f"the program is {self._state_text()}")
        self._begin_wait()
        self.session.pause()
        self._wait()

    def cmd_q(self, arg: str) -> None:
        self.quit = True
