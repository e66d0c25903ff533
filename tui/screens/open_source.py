"""Open a loaded module or a file by name or path (library code too), to read it and set breakpoints in it."""

from __future__ import annotations

from dapper_tui.engine.sources import find_source
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label


class OpenSourceScreen(ModalScreen[str | None]):
    """Returns the real path of the file named (Enter), or None (Escape). A name that matches nothing says why
    and stays open."""

    DEFAULT_CSS = """
    OpenSourceScreen { align: center middle; }
    OpenSourceScreen > Vertical {
        width: 70%; max-width: 110; height: auto; border: thick $accent 60%; background: $panel; padding: 1 2;
    }
    OpenSourceScreen Label { width: 100%; }
    OpenSourceScreen #open-note { color: $text-muted; }
    OpenSourceScreen #open-error { color: $error; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, modules: list[str], base: str | None = None) -> None:
        super().__init__()
        self.modules = modules
        self.base = base

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open a loaded module or a file", id="open-title")
            yield Input(
                placeholder="rich.console, or a path: lib/site-packages/rich/console.py",
                suggester=SuggestFromList(self.modules, case_sensitive=True),
                id="open-input",
            )
            yield Label("", id="open-error")
            yield Label(
                "Library files too: set breakpoints in them; R reloads one (with a warning).", id="open-note"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            path = find_source(event.value, self.base)
        except ValueError as exc:
            self.query_one("#open-error", Label).update(str(exc))
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
