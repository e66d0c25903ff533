"""Edit a breakpoint's condition, hit condition and log message."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class ConditionScreen(ModalScreen["tuple[str | None, str | None, str | None] | None"]):
    """Returns (condition, hit condition, log message), each None when empty; or None when cancelled."""

    DEFAULT_CSS = """
    ConditionScreen { align: center middle; }
    ConditionScreen > Vertical {
        width: 80%; max-width: 100; height: auto; border: thick $accent 60%; background: $panel; padding: 1 2;
    }
    ConditionScreen Label { margin-top: 1; }
    ConditionScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConditionScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, where: str, condition: str | None, hit: str | None, log: str | None) -> None:
        super().__init__()
        self.where = where
        self.values = (condition or "", hit or "", log or "")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Breakpoint at {self.where}", classes="title")
            yield Label("Condition (stop only when true), e.g. total > 50")
            yield Input(self.values[0], id="condition")
            yield Label("Hit count: N, >=N, %N …")
            yield Input(self.values[1], id="hit")
            yield Label("Log message (print and don't stop), e.g. total is {total}")
            yield Input(self.values[2], id="log")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#condition", Input).focus()

    def _result(self) -> tuple[str | None, str | None, str | None]:
        def get(name: str) -> str | None:
            return self.query_one(f"#{name}", Input).value.strip() or None

        return get("condition"), get("hit"), get("log")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self._result())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self._result() if event.button.id == "save" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
