"""Open a loaded module or a file by name or path (library code too), to read it and set breakpoints in it."""

from __future__ import annotations

from dapper_tui.engine.sources import find_source
from textual.suggester import SuggestFromList

from .prompt import PromptScreen


class OpenSourceScreen(PromptScreen):
    """Returns the real path of the file named (Enter), or None (Escape). A name that matches nothing says why
    and stays open. Loaded modules' names are suggested as the user types."""

    DEFAULT_CSS = """
    OpenSourceScreen > Vertical { max-width: 110; }
    """
    ID = "open"

    def __init__(self, modules: list[str], base: str | None = None) -> None:
        super().__init__(
            "Open a loaded module or a file",
            placeholder="rich.console, or a path: lib/site-packages/rich/console.py",
            note="Library files too: set breakpoints in them; R reloads one (with a warning).",
            suggester=SuggestFromList(modules, case_sensitive=True),
        )
        self.modules = modules
        self.base = base

    def answer(self, text: str) -> str:
        return find_source(text, self.base)
