"""A yes/no question (quit?)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 56; height: auto; border: thick $error 60%; background: $panel; padding: 1 2;
    }
    ConfirmScreen Label { width: 100%; margin-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y,q", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Quit", no: str = "Cancel") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button(self.no, id="no")
                yield Button(self.yes, id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


# -- quitting dapper-tui ------------------------------------------------------------------------------------
# The rule for dapper-tui's exit code: the program's own exit code if it ended by itself; 1 if the user quits
# while it is still running or stopped (it is ended, as pdb ends it on `q`); 0 if it never started. The quit
# question says which.

ENDED_EXIT_CODE = 1


def quit_question(session: Any, display_path: Callable[[str], str]) -> str:
    """The question `q` asks: what happens to the program, and the code dapper-tui will exit with."""
    state = session.state
    ends = f"will be ended (dapper-tui's exit code: {ENDED_EXIT_CODE})"
    if state == "stopped":
        return f"Quit dapper-tui? The program is stopped{_stop_place(session, display_path)} and {ends}."
    if state == "running":
        return f"Quit dapper-tui? The program is still running and {ends}."
    if state == "exited" and session.exit_code is not None:
        return f"Quit dapper-tui? The program exited with code {session.exit_code}; dapper-tui exits with it."
    return "Quit dapper-tui?"


def quit_exit_code(session: Any) -> int:
    """dapper-tui's exit code if the user quits now (the rule above)."""
    if session.state in ("running", "stopped"):
        return ENDED_EXIT_CODE
    return int(session.exit_code or 0)


def _stop_place(session: Any, display_path: Callable[[str], str]) -> str:
    event = session.stop_event
    if event is None:
        return ""
    try:
        frames = session.stack(event.thread_id) or session.stack(event.thread_id, just_my_code=False)
    except Exception:  # the stop is ending as we ask
        return ""
    if not frames:
        return ""
    return f" at {display_path(frames[0].path)}:{frames[0].line}"
