"""The keys that drive the program: continue, the steps, pause and Ctrl+C, run to a line, jump (set next
statement), stop on raised exceptions, restart and quit.

A command the engine refuses (the program is not stopped, a jump CPython does not allow) is a notification,
never an error. The engine calls that wait (a jump, a restart) run in a worker thread, their answer comes back
on the app's loop (`from_thread`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from textual import work

from .engine_events import Launched
from .screen_layout import ScreenLayout

if TYPE_CHECKING:
    from .panes.source_view import SourceView
    from .screens.confirm import ConfirmScreen


class RunControl(ScreenLayout):
    """The screen's part that runs, stops and ends the program."""

    quiet_exits: int  # program ends the user asked for (a restart): no "exited" dialog for them
    quit_question: ConfirmScreen | None  # the last "Quit dapper-tui?" asked

    def from_thread(self, fn: Any, *args: Any) -> None:
        """Call `fn(*args)` on the app's loop, from a worker thread (nothing, once the app is closing)."""
        try:
            self.dapp.call_from_thread(fn, *args)
        except RuntimeError:
            pass

    def _command(self, name: str) -> None:
        if self.session.state != "stopped":
            self.dapp.notify(f"the program is {self.session.state}, not stopped", severity="warning")
            return
        try:
            getattr(self.session, name)()
        except RuntimeError as exc:
            self.dapp.notify(str(exc), severity="warning")

    def action_continue(self) -> None:
        self._command("continue_")

    def action_step_over(self) -> None:
        self._command("step_over")

    def action_step_in(self) -> None:
        self._command("step_in")

    def action_step_out(self) -> None:
        self._command("step_out")

    def action_pause(self) -> None:
        if self.session.state == "running":
            self.session.pause()
        else:
            self.dapp.notify(f"the program is {self.session.state}", severity="warning")

    def action_interrupt(self) -> None:
        """Ctrl+C: pauses the running program, as in a terminal; otherwise copies the selected text, if any."""
        state = self.session.state
        if state == "running":
            self.session.pause()
            return
        selection = self.get_selected_text()
        if selection:
            self.dapp.copy_to_clipboard(selection)
            self.dapp.notify("copied the selected text", timeout=2)
        elif state == "stopped":
            self.dapp.notify("the program is already stopped (F5 continues, q quits)", timeout=3)
        else:
            self.dapp.notify(f"the program is {state} (Ctrl+T restarts, q quits)", timeout=3)

    def on_source_view_run_to_line(self, event: SourceView.RunToLine) -> None:
        if self.session.state != "stopped":
            self.dapp.notify("the program is not stopped", severity="warning")
            return
        self.session.run_to_line(event.path, event.line)

    def on_source_view_jump_to_line(self, event: SourceView.JumpToLine) -> None:
        """Set next statement: the stopped frame goes on from the cursor line (CPython's rules, engine/goto.py)."""
        if self.session.state != "stopped":
            self.dapp.notify("jump needs a stopped program", severity="warning")
            return
        frame = self.stack.selected_frame
        innermost = self.session.stack(frame.thread_id, just_my_code=False) if frame is not None else []
        if frame is None or not innermost or innermost[0].id != frame.id:
            self.dapp.notify(
                "only the innermost frame can jump: select it in the call stack",
                title="jump",
                severity="error",
            )
            return
        if os.path.realpath(frame.path) != os.path.realpath(event.path):
            self.dapp.notify(
                f"line {event.line} is in another file than the stopped frame", title="jump", severity="error"
            )
            return
        self._jump(event.line, frame.thread_id)

    @work(thread=True, exclusive=True, group="jump")
    def _jump(self, line: int, thread_id: int) -> None:
        try:
            self.session.goto(line, thread_id)
        except (ValueError, RuntimeError) as exc:
            text = str(exc)
            self.from_thread(
                lambda: self.dapp.notify(
                    text, title="jump refused", severity="error", timeout=8, markup=False
                )
            )

    def action_toggle_raised(self) -> None:
        filters = set(self.session.exception_filters)
        filters ^= {"raised"}
        self.session.set_exception_breakpoints(filters)
        self.dapp.notify("stop on: " + ", ".join(sorted(filters)) + " exceptions", timeout=3)

    @work(thread=True, exclusive=True, group="restart")
    def _restart(self) -> None:
        self.from_thread(self.output.append, "[restarting]\n", "console")
        self.dapp.pending.take()
        self.session.restart(stop_on_entry=self.dapp.stop_on_entry)
        self.dapp.events.post(Launched())

    def action_restart(self) -> None:
        if self.session.state in ("running", "stopped"):
            self.quiet_exits += 1  # the program is ended to restart it: no "exited" dialog for that
        self._restart()

    def action_quit_debugger(self) -> None:
        from .screens.confirm import ConfirmScreen, quit_exit_code, quit_question

        def done(yes: bool | None) -> None:
            if yes:
                self.dapp.exit(quit_exit_code(self.session))

        self.quit_question = ConfirmScreen(quit_question(self.session, self.dapp.display_path))
        self.dapp.push_screen(self.quit_question, done)
