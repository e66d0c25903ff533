"""The reload log: one row per reload (outcome, module, time, counters, changed definitions, warnings,
duration). Selecting a row shows its details below; a failure is red, with its message and a hint. A reload
that left a frame on its old code offers to restart it (the Restart frame key, here or on the call stack)."""

from __future__ import annotations

import os
import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from ..keys import CALL_STACK, RESTART_FRAME

_OUTCOME_STYLE = {
    "applied": "bold green",
    "failed": "bold red",
    "pending": "bold yellow",
    "skipped": "dim",
    "restart-required": "bold yellow",
}
_COUNTERS = (
    ("reboundFrames", "frames"),
    ("updatedFrameCodes", "frame codes"),
    ("patchedFunctions", "functions"),
    ("patchedClasses", "classes"),
    ("patchedInstances", "instances"),
)


def _counters(record: Any) -> str:
    c = record.counters or {}
    parts = [f"{c[k]} {label}" for k, label in _COUNTERS if c.get(k)]
    parts += [f"{v} {k}" for k, v in c.items() if v and k not in dict(_COUNTERS)]
    return ", ".join(parts) or "-"


def _changed(record: Any) -> str:
    parts = (
        [f"+{n}" for n in record.added]
        + [f"~{n}" for n in record.changed]
        + [f"-{n}" for n in record.removed]
    )
    return " ".join(parts) or "-"


def kept_frames(record: Any) -> list[dict[str, Any]]:
    """The frames a reload left running their old code ({name, line, moved, newLine, reason}), innermost
    first; none for a record that does not list frames (a failure, the agent's, a pending save)."""
    detail = getattr(record, "detail", None) or {}
    frames = detail.get("frames") or []
    return [f for f in frames if isinstance(f, dict) and not f.get("moved")]


class ReloadLogPane(Vertical):
    ALLOW_MAXIMIZE = True
    DEFAULT_CSS = """
    ReloadLogPane { height: 1fr; }
    ReloadLogPane > DataTable { height: 1fr; min-height: 3; background: $surface; }
    ReloadLogPane > #reload-detail-scroll { height: auto; max-height: 7; border-top: solid $primary 30%; }
    ReloadLogPane .failed { color: $error; }
    """

    BINDINGS = [
        Binding("f", "cycle_scope", "Scope filter", key_display="f"),
        Binding(
            RESTART_FRAME.keys,
            "restart_frame",
            RESTART_FRAME.description,
            key_display=RESTART_FRAME.display,
        ),
    ]
    SCOPES: tuple[str | None, ...] = (None, "debugger", "agent")

    class RestartRequested(Message):
        """Restart the frame a reload left on its old code (found on the call stack by the screen)."""

        def __init__(self, path: str, frame: dict[str, Any]) -> None:
            super().__init__()
            self.path = path
            self.frame = frame

    def __init__(self, *, id: str | None = None, clock: Any = None) -> None:
        super().__init__(id=id)
        self.border_title = "Reload log"
        self.records: list[Any] = []  # every record, in order; the table shows those of `scope`
        self.scope: str | None = None  # None: all scopes
        self._shown: list[int] = []  # table row -> index in records
        self._clock = clock  # tests pass a fixed clock: snapshots must not show the time of day

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=False, id="reload-table")
        # the outcome first: in a narrow pane (26 columns at 100) it is what shows, with the module
        table.add_columns("outcome", "module", "time", "counters", "changed", "warnings", "ms")
        yield table
        with VerticalScroll(id="reload-detail-scroll"):
            yield Static(
                "No reloads yet. R reloads the file in the source view; saving a loaded file reloads it too.",
                id="reload-detail",
            )

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#reload-table", DataTable)

    def _time(self, record: Any) -> str:
        ts = self._clock(record) if self._clock else record.timestamp
        return time.strftime("%H:%M:%S", time.localtime(ts)) if isinstance(ts, (int, float)) else str(ts)

    def add_record(self, record: Any) -> None:
        """Add one ReloadRecord; when its scope is shown, as a row, selected, with its details."""
        self.records.append(record)
        if self.scope is None or record.scope == self.scope:
            self._add_row(len(self.records) - 1)
        self._subtitle()

    def _subtitle(self) -> None:
        where = f" · {self.scope} only (f)" if self.scope else ""
        count = len(self._shown)
        self.border_subtitle = f"{count} reload{'' if count == 1 else 's'}{where}"

    def action_cycle_scope(self) -> None:
        """Show all reloads, then only the debugger's, then only the agent's."""
        self.scope = self.SCOPES[(self.SCOPES.index(self.scope) + 1) % len(self.SCOPES)]
        self.table.clear()
        self._shown = []
        for index, record in enumerate(self.records):
            if self.scope is None or record.scope == self.scope:
                self._add_row(index)
        self._subtitle()

    def _add_row(self, index: int) -> None:
        record = self.records[index]
        self._shown.append(index)
        style = _OUTCOME_STYLE.get(record.outcome, "")
        module = record.module or os.path.basename(record.path)
        red = "red" if record.outcome == "failed" else ""
        self.table.add_row(
            Text(record.outcome, style=style),
            Text(module, style=red or "bold"),
            Text(self._time(record), style=red),
            Text(_counters(record), style=red),
            Text(_changed(record), style=red),
            Text(
                str(len(record.warnings)) if record.warnings else "-",
                style="yellow" if record.warnings else "",
            ),
            Text(f"{record.duration_ms:.1f}" if record.duration_ms else "-", style=red),
        )
        row = len(self._shown) - 1
        self.table.move_cursor(row=row)
        self.show_detail(row)

    def show_detail(self, row: int) -> None:
        """Show the details of the record in table row `row`."""
        if not 0 <= row < len(self._shown):
            return
        r = self.records[self._shown[row]]
        text = Text()
        style = _OUTCOME_STYLE.get(r.outcome, "")
        text.append(f"{r.outcome.upper()}", style=style)
        text.append(f"  {r.module or ''}  {r.path}", style="bold")
        text.append(f"  [{r.scope}]\n", style="dim")
        if r.message:
            text.append(r.message + "\n", style="red" if r.outcome == "failed" else "")
        if r.hint:
            text.append("hint: ", style="bold yellow")
            text.append(r.hint + "\n", style="yellow")
        text.append(f"counters: {_counters(r)}\n")
        for label, names in (("added", r.added), ("changed", r.changed), ("removed", r.removed)):
            if names:
                text.append(f"{label}: {', '.join(names)}\n")
        for w in r.warnings:
            text.append(f"warning: {w}\n", style="yellow")
        key = RESTART_FRAME.display or RESTART_FRAME.keys
        for f in kept_frames(r):
            text.append("restart: ", style="bold cyan")
            text.append(
                f"{f.get('name')} (line {f.get('line')}) runs its old code; press {key} here, or on it in the "
                f"{CALL_STACK}, to run it again from its first line in the new code\n",
                style="cyan",
            )
        if r.duration_ms:
            text.append(f"duration: {r.duration_ms:.1f} ms\n", style="dim")
        self.detail_text = text.plain
        self.query_one("#reload-detail", Static).update(text)
        self.refresh_bindings()  # the restart key shows only for a reload that left a frame on old code

    def selected_record(self) -> Any:
        row = self.table.cursor_row
        return self.records[self._shown[row]] if 0 <= row < len(self._shown) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "restart_frame":
            record = self.selected_record()
            return record is not None and bool(kept_frames(record))
        return True

    def action_restart_frame(self) -> None:
        record = self.selected_record()
        kept = kept_frames(record) if record is not None else []
        if kept:
            self.post_message(self.RestartRequested(record.path, kept[0]))

    detail_text = ""

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail(event.cursor_row)
