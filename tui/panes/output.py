"""Program output: the debuggee's stdout and stderr (captured by the engine, never drawn over the UI), the
debugger's console messages, and the answers typed for input()."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

_STYLES = {"stdout": "", "stderr": "red", "console": "italic cyan", "input": "bold green"}


class OutputPane(RichLog):
    DEFAULT_CSS = """
    OutputPane { border: round $primary 40%; background: $surface; scrollbar-size-vertical: 1; }
    OutputPane:focus { border: round $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=False, markup=False, highlight=False, max_lines=10_000)
        self.border_title = "Output"
        self._partial: list[tuple[str, str]] = []  # the unfinished last line: (text, category)
        self.text = ""  # everything shown, as plain text

    def append(self, text: str, category: str = "stdout") -> None:
        """Add program output; a line is written once it ends (a prompt without newline waits for flush)."""
        self.text += text
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if part:
                self._partial.append((part, category))
            if i < len(parts) - 1:
                self._write_line()

    def flush_partial(self) -> None:
        """Show the unfinished line now (an input() prompt)."""
        if self._partial:
            self._write_line()

    def _write_line(self) -> None:
        line = Text()
        for part, category in self._partial:
            line.append(part, style=_STYLES.get(category, ""))
        self._partial = []
        self.write(line, scroll_end=True)
