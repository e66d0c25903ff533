"""Engine events in the app: the queue they arrive on, and what the screen does with each kind.

Events arrive on debuggee threads. `EventQueue.post` queues them and posts one `EngineEvent` message to drain the
queue on the app's loop, in order; consecutive output of one stream is merged into one write, so a print loop
is one update of the Output pane, not 10,000. `EngineEventView.handle` dispatches on the event's class.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import singledispatchmethod
from typing import TYPE_CHECKING

from dapper_tui.engine.events import (
    BreakpointChanged,
    Continued,
    Event,
    Exited,
    InputRequested,
    LoadedSource,
    Output,
    Reloaded,
    Stopped,
)
from textual.message import Message

from .keys import RESTART_FRAME
from .panes.reload_log import kept_frames

if TYPE_CHECKING:
    from dapper_tui.engine.hotreload import ReloadResult
    from dapper_tui.reload.record import ReloadRecord

    from .debugger_screen import DebuggerScreen


@dataclass(frozen=True)
class Launched(Event):
    """The app launched or restarted the program: queued behind whatever the launch itself posted (an exit, a
    stop at entry), so the status says "running" only while it does."""


class EngineEvent(Message):
    """Engine events are waiting in the queue (posted from a debuggee thread)."""


class EventQueue:
    """Engine events, from any thread, in order; `post_message` wakes the app's loop once per batch."""

    def __init__(self, post_message: Callable[[Message], bool]) -> None:
        self._post_message = post_message
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self._drain_posted = False

    def post(self, event: Event) -> None:  # debuggee threads
        """Queue the event; one message drains the queue."""
        with self._lock:
            self._events.append(event)
            if self._drain_posted:
                return
            self._drain_posted = True
        if not self._post_message(EngineEvent()):  # the app is closing
            with self._lock:
                self._drain_posted = False

    def drain(self) -> list[Event]:
        """Every queued event, in order; consecutive output of one stream becomes one write."""
        with self._lock:
            events, self._events = self._events, []
            self._drain_posted = False
        merged: list[Event] = []
        for ev in events:
            prev = merged[-1] if merged else None
            if isinstance(ev, Output) and isinstance(prev, Output) and prev.category == ev.category:
                merged[-1] = Output(ev.category, prev.text + ev.text)
            else:
                merged.append(ev)
        return merged


def record_of(result: ReloadResult) -> ReloadRecord:
    """The ReloadRecord of an engine ReloadResult."""
    return result.to_record()


RUNNING_VIEW_DELAY = 0.15  # seconds a continued program runs before its stopped view is cleared


class EngineEventView:
    """What the debugger screen shows for each kind of engine event."""

    def __init__(self, screen: DebuggerScreen) -> None:
        self.screen = screen

    @singledispatchmethod
    def handle(self, ev: Event) -> None:
        """Events the screen does not show (threads starting and ending)."""

    @handle.register
    def _stopped(self, ev: Stopped) -> None:
        s = self.screen
        s.stop_gen += 1
        detail = ev.description or ev.reason
        style = "bold red" if ev.reason == "exception" else ""
        if ev.post_mortem:
            detail = f"post-mortem  {ev.text}"
        s.set_status("stopped", detail, style)
        s.refresh_stop_view()
        for path in s.dapp.pending.take():
            s.reloads.request(path)

    @handle.register
    def _launched(self, ev: Launched) -> None:
        self.screen.show_running()

    @handle.register
    def _continued(self, ev: Continued) -> None:
        s = self.screen
        s.stop_gen += 1
        s.show_running()
        # A step stops again within milliseconds: emptying the panes now and filling them again at the stop
        # would draw the screen twice per step. The stale stop stays (as pudb's does) until the program has
        # run for a moment without stopping.
        gen = s.stop_gen
        s.set_timer(RUNNING_VIEW_DELAY, lambda: self._show_running_view(gen))

    def _show_running_view(self, gen: int) -> None:
        s = self.screen
        if s.stop_gen != gen:  # it stopped (or continued again) meanwhile
            return
        s.stack.clear_stack("running")
        s.variables.show_frame(None)
        s.watches.show_values({})
        s.source.show_file(s.source.path, current_line=None)
        s.source.current_line = None

    @handle.register
    def _output(self, ev: Output) -> None:
        self.screen.output.append(ev.text, ev.category)

    @handle.register
    def _input_requested(self, ev: InputRequested) -> None:
        from .screens.prompt import PromptScreen

        s = self.screen

        def answered(text: str | None) -> None:  # the prompt and the answer share a line, as in a terminal
            if text is not None:
                s.output.append(text + "\n", "input")
            else:
                s.output.flush_partial()
            s.session.send_input(text)

        s.dapp.push_screen(
            PromptScreen(
                "The program is waiting for input",
                placeholder=ev.prompt.strip() or "input()",
                note=f"prompt: {ev.prompt!r}   Enter sends, Esc sends end-of-file",
            ),
            answered,
        )

    @handle.register
    def _breakpoint_changed(self, ev: BreakpointChanged) -> None:
        self.screen.bp_editor.refresh()

    @handle.register
    def _loaded_source(self, ev: LoadedSource) -> None:
        s = self.screen
        if ev.reason == "new":
            s.dapp.watch_folder_of(ev.path)
        if ev.path == s.source.path and not s.source.old_code:
            s.source.show_file(ev.path, current_line=s.source.current_line, reload=True)
        s.sources.show_sources(s.dapp.loaded_sources(), s.display_path)

    @handle.register
    def _exited(self, ev: Exited) -> None:
        from .screens.exited import ExitedScreen

        s = self.screen
        s.stop_gen += 1
        s.output.flush_partial()
        s.set_status("exited", f"exit code {ev.exit_code}" + (f"  {ev.error}" if ev.error else ""))
        s.stack.clear_stack("exited")
        s.variables.show_frame(None)
        s.source.show_file(s.source.path, current_line=None)
        s.source.current_line = None
        s.output.append(f"[program exited with code {ev.exit_code}]\n", "console")
        if s.quiet_exits:
            s.quiet_exits -= 1
            return

        def chosen(choice: str | None) -> None:
            if choice == "restart":
                s.action_restart()
            elif choice == "quit":
                s.dapp.exit(s.session.exit_code or 0)

        s.dapp.push_screen(ExitedScreen(ev.exit_code, ev.error), chosen)

    @handle.register
    def _reloaded(self, ev: Reloaded) -> None:
        s = self.screen
        record = record_of(ev.result)
        s.reload_log.add_record(record)
        if not record.ok:
            s.dapp.notify(record.message or "reload failed", title="Hot reload failed", severity="error")
            return
        note = f"reloaded {record.module or s.display_path(record.path)}"
        kept = kept_frames(record)
        if kept:
            note += (
                f"; {kept[0].get('name')} keeps its old code"
                f" ({RESTART_FRAME.display} on the call stack restarts it)"
            )
        s.dapp.notify(note, timeout=6 if kept else 3, markup=False)
        if s.source.path and not s.source.old_code:
            s.source.show_file(s.source.path, current_line=s.source.current_line, reload=True)
        if s.session.state == "stopped":
            s.refresh_stop_view(keep_frame=True)
