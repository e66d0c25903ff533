"""Loaded sources: the debuggee's modules with their files (the program's own first). Select one to view it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class SourcesPane(OptionList):
    class SourceSelected(Message):
        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Loaded sources"
        self.sources: list[Any] = []

    def show_sources(self, sources: list[Any], display: Any) -> None:
        """`sources`: engine.sources.Source list; `display(path)` gives the path shown to the user."""
        if [(s.module, s.path) for s in sources] == [(s.module, s.path) for s in self.sources]:
            return
        highlighted = self.highlighted
        self.sources = list(sources)
        self.clear_options()
        for source in self.sources:
            label = Text(source.module, style="bold" if source.user else "dim")
            label.append(f"  {display(source.path)}", style="dim")
            self.add_option(Option(label, id=source.path))
        if highlighted is not None and highlighted < len(self.sources):
            self.highlighted = highlighted
        self.border_subtitle = str(len(self.sources))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.SourceSelected(event.option.id))
