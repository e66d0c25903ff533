"""The `--plain` console's output of engine events: one printer thread takes them off the console's queue in
order (the program's output, stops, exits, breakpoint changes, reloads, the save watcher's records) and prints
them through the console's `Terminal`. A mixin of `PlainConsole`, through the engine's public API only.

Whatever else must come out in order with the events goes through the same queue: a `Record` of the save
watcher, and a `Marker` that tells when everything queued before it has been printed (`_drain`).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import traceback
from typing import TYPE_CHECKING

from dapper_tui.engine import events as ev
from dapper_tui.engine.session import DebugSession, FrameInfo
from dapper_tui.reload.record import ReloadRecord

if TYPE_CHECKING:
    from .breakpoints import ConsoleBreakpoints
    from .terminal import Terminal
    from .watching import SaveWatcher


class Marker(ev.Event):
    """Put on the event queue to know when everything before it has been printed."""

    def __init__(self, done: threading.Event) -> None:
        object.__setattr__(self, "done", done)

    done: threading.Event


class Record(ev.Event):
    """A record of the reload coordinator (a save pending or skipped), printed in order with the events."""

    def __init__(self, record: ReloadRecord) -> None:
        object.__setattr__(self, "record", record)

    record: ReloadRecord


class EventDisplay:
    # what the console provides
    session: DebugSession
    events: queue.Queue[ev.Event | None]
    out: Terminal
    bps: ConsoleBreakpoints
    watcher: SaveWatcher | None
    frames: list[FrameInfo]
    cur: int
    displays: list[str]
    list_next: tuple[str, int] | None
    _input_prompt: str | None
    ending: bool  # the console is quitting and ends the program

    if TYPE_CHECKING:  # the console's other parts

        def _settle(self) -> None: ...
        def _print_location(self) -> None: ...
        def _refresh_names(self) -> None: ...
        def _value_text(self, expr: str) -> str: ...

    # -- the printer thread -------------------------------------------------------------------------------
    def _printer(self) -> None:
        while True:
            event = self.events.get()
            if event is None:
                return
            try:
                self._show(event)
            except Exception as exc:  # the console must keep going
                try:
                    self.out.say(f"*** {type(exc).__name__}: {exc}", "error")
                except Exception:  # not even that could be shown: say it where it can be, and go on
                    traceback.print_exc(file=sys.__stderr__)

    def _drain(self) -> None:
        """Until everything queued so far has been printed."""
        done = threading.Event()
        self.events.put(Marker(done))
        done.wait(5)

    def _show(self, event: ev.Event) -> None:
        if isinstance(event, Marker):
            event.done.set()
        elif isinstance(event, ev.Output):
            self.out.program_output(event.text, event.category)
        elif isinstance(event, ev.Stopped):
            self._on_stop(event)
            self._settle()
        elif isinstance(event, ev.Exited):
            self._on_exit(event)
            self._settle()
        elif isinstance(event, ev.InputRequested):
            self._input_prompt = event.prompt
            self._settle()
        elif isinstance(event, ev.BreakpointChanged):
            self._show_breakpoint(event)
        elif isinstance(event, ev.Reloaded):
            self._on_reload(event)
        elif isinstance(event, ev.LoadedSource):
            if event.reason == "new" and self.watcher is not None:
                self.watcher.watch_folder_of(event.path)
        elif isinstance(event, Record):
            self._show_record(event.record)

    # -- one kind of event each ---------------------------------------------------------------------------
    def _on_stop(self, event: ev.Stopped) -> None:
        self.frames = self.session.stack(event.thread_id) or self.session.stack(
            event.thread_id, just_my_code=False
        )
        self.cur = 0
        self.list_next = None
        label = event.description or event.reason
        if event.reason == "exception":
            label = f"{'Uncaught' if event.post_mortem else 'Raised'} {event.text}"
        self.out.say(f"[{label}]", "error" if event.reason == "exception" else "info")
        self._print_location()
        self._refresh_names()
        for expr in self.displays:
            self.out.say(f"display {expr}: {self._value_text(expr)}")

    def _on_exit(self, event: ev.Exited) -> None:
        if event.error:
            self.out.say(f"*** {event.error}", "error")
        self.frames = []
        code = event.exit_code
        if self.ending:
            self.out.say("The program was ended.", "info")
            return
        self.out.say(f"The program exited with code {code}. `restart` runs it again, `q` quits.", "info")

    def _show_breakpoint(self, event: ev.BreakpointChanged) -> None:
        bp = event.breakpoint
        listed = self.bps.follow(bp)
        where = f"{os.path.basename(bp.path or '')}:{bp.line}" if bp.path else bp.function
        if not listed or event.reason == "removed":
            self.out.say(f"breakpoint {bp.id} removed: {bp.message or where}", "error")
        elif not bp.verified:
            self.out.say(f"breakpoint {bp.id} unverified: {bp.message} ({where})", "error")
        else:
            self.out.say(f"breakpoint {bp.id} {event.reason}: {where}", "info")

    def _on_reload(self, event: ev.Reloaded) -> None:
        result = event.result
        self.out.say(result.summary(), "info" if result.ok else "error")
        for w in result.warnings or []:
            self.out.say(f"warning: {w}", "error")
        if result.ok and self.session.state == "stopped" and self.frames:
            # the same frames, with what the reload changed (old code); the selected one stays selected
            self.frames = self.session.stack(self.frames[0].thread_id) or self.frames
            self.cur = min(self.cur, len(self.frames) - 1)
            self._refresh_names()

    def _show_record(self, record: ReloadRecord) -> None:
        """What the watcher did with a save. An applied or failed reload is shown by its Reloaded event."""
        if record.scope == "debugger" and record.outcome in ("applied", "failed"):
            return
        text = f"{os.path.basename(record.path)}: {record.message}"
        if record.hint:
            text += f"\n    {record.hint}"
        self.out.say(text, "error" if record.outcome == "failed" else "info")
