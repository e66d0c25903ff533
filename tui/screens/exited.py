"""The program exited: its exit code, and an offer to restart it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ExitedScreen(ModalScreen[str]):
    """Returns "restart", "quit" or "stay"."""

    DEFAULT_CSS = """
    ExitedScreen { align: center middle; }
    ExitedScreen > Vertical {
        width: 72; height: auto; border: thick $primary; background: $panel; padding: 1 2;
    }
    ExitedScreen #exit-code { text-style: bold; margin-bottom: 1; }
    ExitedScreen #exit-code.failed { color: $error; }
    ExitedScreen Horizontal { height: auto; align-horizontal: right; }
    ExitedScreen Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("r,ctrl+t", "choose('restart')", "Restart"),
        Binding("q", "choose('quit')", "Quit"),
        Binding("escape", "choose('stay')", "Stay"),
    ]

    def __init__(self, exit_code: int, error: str | None = None) -> None:
        super().__init__()
        self.exit_code = exit_code
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical():
            label = Label(f"The program exited with code {self.exit_code}", id="exit-code")
            if self.exit_code:
                label.add_class("failed")
            yield label
            if self.error:
                yield Label(self.error)
            yield Label("Restart it (r), quit (q), or stay to read the output (Esc)?")
            with Horizontal():
                yield Button("Stay", id="stay")
                yield Button("Quit", id="quit")
                yield Button("Restart", id="restart", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#restart", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(str(event.button.id))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
