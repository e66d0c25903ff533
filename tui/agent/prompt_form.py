"""A prompt's ``{{placeholders}}``, asked for before the prompt is sent: one field per name, in a modal form."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


def placeholders(text: str, declared: list[str] | None = None) -> list[str]:
    """The names a text leaves to fill in, in order: the declared ones it uses first, then the others."""
    found: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match.group(1) not in found:
            found.append(match.group(1))
    ordered = [name for name in declared or [] if name in found]
    return ordered + [name for name in found if name not in ordered]


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{{name}}`` of ``values`` replaced by its value (others left as they are)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


class PromptValues(ModalScreen[dict[str, str] | None]):
    """Asks for each placeholder's value. Enter goes to the next field and, on the last, fills the prompt in;
    Esc leaves it unsent."""

    DEFAULT_CSS = """
    PromptValues { align: center middle; }
    PromptValues > Vertical {
        width: 80%; max-width: 90; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    PromptValues .prompt-title { text-style: bold; margin-bottom: 1; }
    PromptValues .prompt-hint { color: $text-muted; margin-top: 1; }
    PromptValues Input { margin-bottom: 0; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, names: list[str]) -> None:
        super().__init__()
        self.prompt_title = title
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt_title, classes="prompt-title")
            for index, name in enumerate(self.names):
                yield Label(f"{name}:")
                yield Input(placeholder=name, id=f"prompt-value-{index}")
            yield Label("Enter: next field, then fill in   Esc: cancel", classes="prompt-hint")

    def on_mount(self) -> None:
        self.query_one("#prompt-value-0", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        index = int(str(event.input.id).rsplit("-", 1)[1])
        if index + 1 < len(self.names):
            self.query_one(f"#prompt-value-{index + 1}", Input).focus()
            return
        self.dismiss(
            {name: self.query_one(f"#prompt-value-{i}", Input).value for i, name in enumerate(self.names)}
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
