"""One value in full: the variables pane cuts a long value at its edge; `v` shows all of it here, wrapped and
scrollable. Escape or q closes it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, RichLog


class ValueScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ValueScreen { align: center middle; }
    ValueScreen > Vertical {
        width: 90%; max-width: 140; height: 80%; border: thick $accent 60%; background: $panel; padding: 0 1;
    }
    ValueScreen RichLog { height: 1fr; background: $surface; }
    ValueScreen #value-title { width: 100%; color: $text-muted; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="value-title")
            yield RichLog(wrap=True, markup=False, highlight=True, id="value-log")

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        log.write(self.text)
        log.focus()

    def action_close(self) -> None:
        self.dismiss(None)
