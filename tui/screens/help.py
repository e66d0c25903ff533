"""Every key, from the key table. The "what" column takes the room the other two leave and wraps its text (at
80 columns a fixed-width table cut it to ~25 characters)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from ..keys import KEYS, PANE_KEYS

_MIN_WHAT = 20  # narrower than this, the table scrolls sideways instead


def help_rows() -> list[tuple[str, str, str]]:
    """(where, keys, what) of every key."""
    rows = [(key.pane or "debugger", key.display or key.keys, key.help) for key in KEYS]
    rows.extend((where, keys, what) for where, pane_keys in PANE_KEYS.items() for keys, what in pane_keys)
    return rows


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

    def __init__(self) -> None:
        super().__init__()
        self._width = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("dapper-tui keys  (Esc closes)", id="help-title")
            yield DataTable(cursor_type="row", id="help-table")

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """The rows again, the "what" column as wide as the room left and each row as tall as its text."""
        table: DataTable[str] = self.query_one("#help-table", DataTable)
        width = table.size.width
        if not width or width == self._width:
            return
        self._width = width
        rows = help_rows()
        where_w = max(cell_len(r[0]) for r in [("where", "", ""), *rows])
        keys_w = max(cell_len(r[1]) for r in [("", "keys", ""), *rows])
        padding = 2 * table.cell_padding * 3
        scrollbar = table.styles.scrollbar_size_vertical
        what_w = max(_MIN_WHAT, width - where_w - keys_w - padding - scrollbar)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("where", width=where_w)
        table.add_column("keys", width=keys_w)
        table.add_column("what", width=what_w)
        for where, keys, what in rows:
            table.add_row(where, keys, what, height=None)
        table.move_cursor(row=row)
