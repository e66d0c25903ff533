"""Program output: the debuggee's stdout and stderr (captured by the engine, never drawn over the UI), the
debugger's console messages, and the answers typed for input()."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

_STYLES = {"stdout": "", "stderr": "red", "console": "italic cyan", "input": "bold green"}
MAX_LINES = 10_000


class OutputPane(RichLog):
    DEFAULT_CSS = """
    OutputPane { scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=False, markup=False, highlight=False, max_lines=MAX_LINES)
        self.border_title = "Output"
        self._partial = Text()  # the unfinished last line
        self._chunks: list[str] = []
        self._kept = 0

    @property
    def text(self) -> str:
        """Everything shown (the last ~1 MB), as plain text."""
        if len(self._chunks) > 1:
            self._chunks = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    def append(self, text: str, category: str = "stdout") -> None:
        """Add output; complete lines are written at once (one write for a whole batch of lines), an unfinished
        line waits for its end (or for flush_partial)."""
        self._chunks.append(text)
        self._kept += len(text)
        if self._kept > 2_000_000:
            self._chunks = [self.text[-1_000_000:]]
            self._kept = len(self._chunks[0])
        style = _STYLES.get(category, "")
        *complete, rest = text.split("\n")
        if complete:
            if len(complete) > MAX_LINES:
                complete = complete[-MAX_LINES:]
                self._partial = Text()
            block = self._partial
            for i, line in enumerate(complete):
                if i:
                    block.append("\n")
                block.append(line, style=style)
            self._partial = Text()
            self.write(block, scroll_end=True)
        if rest:
            self._partial.append(rest, style=style)

    def flush_partial(self) -> None:
        """Show the unfinished line now (an input() prompt, or the end of the program)."""
        if self._partial:
            line, self._partial = self._partial, Text()
            self.write(line, scroll_end=True)
