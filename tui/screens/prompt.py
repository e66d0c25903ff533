"""A one-line question: an expression to evaluate or watch, a new value, the answer to the program's input(), a
file to open.

A subclass may refuse an answer (`answer` raises ValueError): the reason shows under the line and the question
stays open.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label


class PromptScreen(ModalScreen[str | None]):
    """Returns the text typed (Enter), as `answer` makes it, or None (Escape)."""

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 70%; max-width: 100; height: auto; border: thick $accent 60%; background: $panel; padding: 1 2;
    }
    PromptScreen Label { width: 100%; }
    PromptScreen .prompt-note { color: $text-muted; }
    PromptScreen .prompt-error { color: $error; display: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    ID = "prompt"  # the widgets are ID-title, ID-input, ID-error and ID-note

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        note: str = "",
        suggester: Suggester | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.note = note
        self.suggester = suggester

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id=f"{self.ID}-title")
            yield Input(
                value=self.value,
                placeholder=self.placeholder,
                suggester=self.suggester,
                id=f"{self.ID}-input",
            )
            yield Label("", id=f"{self.ID}-error", classes="prompt-error")
            if self.note:
                yield Label(self.note, id=f"{self.ID}-note", classes="prompt-note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def answer(self, text: str) -> str:
        """What the screen returns for `text`; a ValueError refuses it, saying why."""
        return text

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            result = self.answer(event.value)
        except ValueError as exc:
            error = self.query_one(f"#{self.ID}-error", Label)
            error.update(str(exc))
            error.display = True
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
