"""The breakpoints list: every line and function breakpoint, verified or not (with the reason).

The marker and the place (`● shop/cart.py:29`) stay on one line in a narrow pane: a path too long for it loses
its left end (`● …op/cart.py:29`); the condition, hits and reason follow, wrapped.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class BreakpointLabel:
    """A breakpoint's line in the list: the marker and the place on one line, cut on the left to fit the
    width it is drawn at, then the rest (`str()` is all of it, uncut)."""

    def __init__(self, mark: Text, place: Text, rest: Text) -> None:
        self.mark, self.place, self.rest = mark, place, rest

    def __str__(self) -> str:
        return self.mark.plain + self.place.plain + self.rest.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - cell_len(self.mark.plain)
        place = self.place
        if cell_len(place.plain) > room > 1:
            place = Text("…", style=place.style) + place[len(place.plain) - (room - 1) :]
        yield Text.assemble(self.mark, place, self.rest)


class BreakpointMessage(Message):
    """Something the user asked for about the breakpoint `bp` (an engine Breakpoint)."""

    def __init__(self, bp: Any) -> None:
        super().__init__()
        self.bp = bp


class BreakpointsPane(OptionList):
    BINDINGS = [
        Binding("delete,backspace", "remove", "Remove breakpoint", show=False),
        Binding("B", "edit", "Edit condition", show=False),
    ]

    class Show(BreakpointMessage):
        """Show the breakpoint's line in the source view."""

    class Remove(BreakpointMessage):
        """Remove the breakpoint."""

    class Edit(BreakpointMessage):
        """Edit the breakpoint's condition, hit count and log message."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Breakpoints"
        self.breakpoints: list[Any] = []

    def show_breakpoints(self, breakpoints: list[Any], display: Any) -> None:
        shown = [bp for bp in breakpoints if not bp.temporary]
        key = [self._key(bp, display) for bp in shown]
        if key == self._shown_key and self.option_count == len(shown):
            self.breakpoints = shown  # the same rows: nothing to draw again (every stop asks)
            return
        self._shown_key = key
        highlighted = self.highlighted
        self.breakpoints = shown
        self.clear_options()
        for bp in self.breakpoints:
            self.add_option(Option(self._label(bp, display)))
        if highlighted is not None and self.breakpoints:
            self.highlighted = min(highlighted, len(self.breakpoints) - 1)
        self.border_subtitle = str(len(self.breakpoints)) if self.breakpoints else "F9 / b: add"

    _shown_key: list[tuple[Any, ...]] | None = None

    @staticmethod
    def _key(bp: Any, display: Any) -> tuple[Any, ...]:
        place = bp.function or display(bp.path)
        return (
            bp.verified,
            place,
            bp.line,
            bp.condition,
            bp.hit_condition,
            bp.log_message,
            bp.hits,
            bp.message,
        )

    @staticmethod
    def _label(bp: Any, display: Any) -> BreakpointLabel:
        mark = Text("● " if bp.verified else "○ ", style="red" if bp.verified else "dim")
        place = Text(f"{bp.function}()" if bp.function else f"{display(bp.path)}:{bp.line}", style="bold")
        text = Text()
        if bp.condition:
            text.append(f"  if {bp.condition}", style="yellow")
        if bp.hit_condition:
            text.append(f"  hits {bp.hit_condition}", style="yellow")
        if bp.log_message:
            text.append(f"  log {bp.log_message!r}", style="cyan")
        if bp.hits:
            text.append(f"  hit {bp.hits}x", style="dim")
        if bp.message:
            text.append(f"  {bp.message}", style="dim italic")
        return BreakpointLabel(mark, place, text)

    def _current(self) -> Any:
        if self.highlighted is None or self.highlighted >= len(self.breakpoints):
            return None
        return self.breakpoints[self.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        bp = self._current()
        if bp is not None:
            self.post_message(self.Show(bp))

    def action_remove(self) -> None:
        bp = self._current()
        if bp is not None:
            self.post_message(self.Remove(bp))

    def action_edit(self) -> None:
        bp = self._current()
        if bp is not None and not bp.function:
            self.post_message(self.Edit(bp))
