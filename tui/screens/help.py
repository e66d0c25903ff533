"""Every key, from the key table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from ..keys import KEYS, PANE_KEYS


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 110; height: 90%; border: thick $primary; background: $panel; padding: 0 1;
    }
    HelpScreen DataTable { height: 1fr; }
    HelpScreen #help-title { text-style: bold; margin: 0 0 1 0; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("dapper-tui keys  (Esc closes)", id="help-title")
            table: DataTable[str] = DataTable(cursor_type="row", id="help-table")
            table.add_columns("where", "keys", "what")
            for key in KEYS:
                table.add_row(key.pane or "debugger", key.display or key.keys, key.help)
            for where, keys, what in PANE_KEYS:
                table.add_row(where, keys, what)
            yield table
