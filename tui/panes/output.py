"""Program output: the debuggee's stdout and stderr, the debugger's console messages, and the answers typed for
input(), shown as a terminal shows them.

The program's output is a terminal's (engine/fdcapture.py), so it is read like one: ANSI colours and styles
(SGR, decoded by Rich's AnsiDecoder, which `Text.from_ansi` uses, with its state kept per stream across
writes), `\\r` back to the start of the line (a progress bar rewritten in place shows its last state), `\\b`,
tab stops every 8 columns, erase in line (`ESC [ K`) and cursor to column (`ESC [ G`); other escapes are
dropped, never drawn. Long lines wrap at the pane's width, character by character as in a terminal, and wrap
again when the pane is resized (`O` shows it full-screen). The unfinished last line is shown as it is written.
Text can be selected with the mouse (and copied, as elsewhere in the app).
"""

from __future__ import annotations

import re
from typing import Any

from rich.ansi import AnsiDecoder
from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

_STYLES = {"stdout": "", "stderr": "red", "console": "italic cyan", "input": "bold green"}
MAX_LINES = 10_000

# What moves the cursor or erases; SGR and everything else is left to the AnsiDecoder (which drops what it
# does not style with).
_CONTROL = re.compile(r"[\r\n\b\t]|\x1b\[([0-9;]*)([KG])")
# A complete escape sequence: CSI, OSC (ended by BEL or ST), or a two-character one.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -Z\\-~])")


class OutputPane(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    OutputPane { scrollbar-size-vertical: 1; }
    OutputPane { color: $foreground; overflow-x: hidden; overflow-y: scroll; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Output"
        self._lines: list[Text] = []  # finished lines
        self._line = Text()  # the line the cursor is on
        self._col = 0
        self._decoders: dict[str, AnsiDecoder] = {}
        self._held: dict[str, str] = {}  # per stream: an escape sequence cut in two by the end of a write
        self._width = 0  # the width the strips are wrapped at; 0 until the pane has a size
        self._strips: list[Strip] = []  # the finished lines, wrapped
        self._counts: list[int] = []  # how many strips each finished line took
        self._tail: list[Strip] = []  # the cursor's line, wrapped
        self._tail_starts: list[int] = []  # where in the cursor's line each of its strips starts
        self._changed = 0  # the cursor's line is as wrapped in `_tail` before this offset
        self._record: list[str] = []  # the finished lines as plain text, the last ~1 MB (`text`)
        self._recorded = 0

    # -- what is shown ----------------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """Everything shown (the last ~1 MB), as plain text: colours dropped, `\\r` and erases applied."""
        if len(self._record) > 1:
            self._record = ["".join(self._record)]
        return (self._record[0] if self._record else "") + self._line.plain

    @property
    def lines(self) -> list[Strip]:
        """The rows of the pane's content, wrapped at its width, top to bottom."""
        return self._strips + self._tail

    # -- writing ----------------------------------------------------------------------------------------------
    def append(self, text: str, category: str = "stdout") -> None:
        """Add output of one stream ("stdout", "stderr", "console", "input") at the cursor."""
        text = self._held.pop(category, "") + text
        start = text.rfind("\x1b")
        if start != -1 and len(text) - start < 256 and not _ESCAPE.match(text, start):
            self._held[category] = text[start:]
            text = text[:start]
        if not text:
            return
        following = self.is_vertical_scroll_end
        decoder = self._decoders.setdefault(category, AnsiDecoder())
        base = _STYLES.get(category, "")
        done = len(self._lines)
        pos = 0
        for match in _CONTROL.finditer(text):
            self._put(decoder, text[pos : match.start()], base)
            pos = match.end()
            char = match.group()
            if char == "\n":
                self._new_line()
            elif char == "\r":
                self._col = 0
            elif char == "\b":
                self._col = max(0, self._col - 1)
            elif char == "\t":
                self._col = (self._col // 8 + 1) * 8
            else:
                self._escape(match.group(1), match.group(2))
        self._put(decoder, text[pos:], base)
        self._show(done, following)

    def flush_partial(self) -> None:
        """End the unfinished line, so what comes next starts a line of its own (an answered input() prompt,
        the end of the program)."""
        if self._line.plain:
            following = self.is_vertical_scroll_end
            done = len(self._lines)
            self._new_line()
            self._show(done, following)

    def clear(self) -> None:
        self._record, self._recorded = [], 0
        self._lines.clear()
        self._line, self._col = Text(), 0
        self._strips, self._counts = [], []
        self._tail, self._tail_starts, self._changed = [], [], 0
        self._update_size()

    def _new_line(self) -> None:
        self._lines.append(self._line)
        self._line, self._col = Text(), 0
        self._tail, self._tail_starts, self._changed = [], [], 0

    def _put(self, decoder: AnsiDecoder, chunk: str, base: str) -> None:
        """Write `chunk` (no cursor movements in it) at the cursor, over what is there."""
        if not chunk:
            return
        if "\x1b" in chunk:
            piece = decoder.decode_line(chunk)
        else:
            piece = Text()
            piece.append(chunk, decoder.style or None)
        if not piece.plain:
            return
        if base:
            piece.stylize_before(base)
        line, col, end = self._line, self._col, self._col + len(piece)
        self._changed = min(self._changed, col, len(line))
        if col >= len(line):
            if col > len(line):
                line.append(" " * (col - len(line)))
            line.append_text(piece)
        else:
            rebuilt = line[:col]
            rebuilt.append_text(piece)
            rebuilt.append_text(line[end:])
            self._line = rebuilt
        self._col = end

    def _escape(self, params: str, final: str) -> None:
        if final == "G":  # cursor to column n (1-based)
            self._col = max(0, int(params.split(";")[0] or 1) - 1)
            return
        how = params.split(";")[0] or "0"  # erase in line: 0 to its end, 1 to the cursor, 2 all of it
        line = self._line
        self._changed = min(self._changed, self._col) if how == "0" else 0
        if how == "0":
            self._line = line[: self._col]
        elif how == "1":
            rest = line[self._col + 1 :]
            self._line = Text(" " * min(len(line), self._col + 1))
            self._line.append_text(rest)
        elif how == "2":
            self._line = Text()

    # -- drawing ----------------------------------------------------------------------------------------------
    def _show(self, done: int, following: bool) -> None:
        """Record and wrap the lines finished since there were `done`, and the cursor's line; keep the last
        MAX_LINES; follow the end if the view was there."""
        for line in self._lines[done:]:
            self._record.append(line.plain + "\n")
            self._recorded += len(line.plain) + 1
        if self._recorded > 2_000_000:
            self._record = ["".join(self._record)[-1_000_000:]]
            self._recorded = len(self._record[0])
        excess = len(self._lines) - MAX_LINES
        if excess > 0:
            wrapped = min(excess, done)  # lines dropped that were wrapped already
            del self._lines[:excess]
            if self._width:
                del self._strips[: sum(self._counts[:wrapped])]
                del self._counts[:wrapped]
            done = max(0, done - excess)
        if self._width:
            self._wrap_finished(done)
            self._wrap_tail()
        self._update_size()
        if following:
            self.scroll_end(animate=False, immediate=False, x_axis=False)

    def _update_size(self) -> None:
        self.virtual_size = Size(self._width, len(self._strips) + len(self._tail))
        self.refresh()

    def _wrap_finished(self, start: int) -> None:
        for line in self._lines[start:]:
            strips, _ = self._wrap(line)
            self._strips.extend(strips)
            self._counts.append(len(strips))

    def _wrap_tail(self) -> None:
        """Wrap the cursor's line again from the first of its rows that changed: a line a program keeps adding
        to (progress dots) costs its last row, not its whole length, at each write."""
        starts, changed = self._tail_starts, self._changed
        keep = 0
        while keep + 1 < len(starts) and starts[keep + 1] <= changed:
            keep += 1
        start = starts[keep] if starts else 0
        strips, new_starts = self._wrap(self._line, start) if len(self._line) > start else ([], [])
        self._tail = self._tail[:keep] + strips
        self._tail_starts = starts[:keep] + new_starts
        self._changed = len(self._line)

    def _wrap(self, line: Text, start: int = 0) -> tuple[list[Strip], list[int]]:
        """`line` from offset `start` (where a row starts) in rows of the pane's width, and where each row
        starts in `line`."""
        if start:
            line = line[start:]
        plain = line.plain
        folds = _fold_offsets(plain, self._width) if cell_len(plain) > self._width else []
        pieces = line.divide(folds) if folds else [line]
        console = self.app.console
        strips = []
        for piece in pieces:
            segments = [s for s in piece.render(console, end="") if s.text]
            strips.append(Strip(segments, Segment.get_line_length(segments)))
        return strips, [start] + [start + fold for fold in folds]

    def on_resize(self, event: Any) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._width:
            following = self.is_vertical_scroll_end
            self._width = width
            self._strips, self._counts = [], []
            self._tail, self._tail_starts, self._changed = [], [], 0
            self._wrap_finished(0)
            self._show(len(self._lines), following)
        self._tell_program_size()

    def _tell_program_size(self) -> None:
        """The program's terminal is as big as this pane's inside, so programs that ask fit their lines."""
        region = self.scrollable_content_region
        session = getattr(self.app, "session", None)
        if session is not None and region.width > 0 and region.height > 0:
            session.io.set_terminal_size(region.width, region.height)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        strips = self._strips
        if index < len(strips):
            strip = strips[index]
        elif index - len(strips) < len(self._tail):
            strip = self._tail[index - len(strips)]
        else:
            strip = Strip.blank(0)
        selection = self.text_selection
        span = selection.get_span(index) if selection is not None else None
        if span is not None:
            start, end = span
            end = strip.cell_length if end == -1 else end
            if start < end:
                chosen = strip.crop(start, end)
                style = self.screen.get_component_rich_style("screen--selection")
                chosen = Strip(Segment.apply_style(chosen, post_style=style), chosen.cell_length)
                strip = Strip.join([strip.crop(0, start), chosen, strip.crop(end)])
        style = self.rich_style
        width = self.scrollable_content_region.width
        return strip.crop_extend(0, width, style).apply_style(style).apply_offsets(0, index)

    # -- selecting text with the mouse --------------------------------------------------------------------------
    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(strip.text for strip in self.lines)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # -- full screen ------------------------------------------------------------------------------------------
    def toggle_full_screen(self) -> None:
        """Show the output alone on the screen, or the layout again."""
        screen = self.screen
        if screen.maximized is self:
            screen.minimize()
            return
        self.focus()
        screen.maximize(self, container=False)


def _fold_offsets(plain: str, width: int) -> list[int]:
    """Where a line `width` cells wide breaks `plain`, as a terminal wraps it (by character, wide ones kept
    whole)."""
    if width <= 0:
        return []
    if cell_len(plain) == len(plain):
        return list(range(width, len(plain), width))
    offsets, used = [], 0
    for i, char in enumerate(plain):
        size = get_character_cell_size(char)
        if used + size > width:
            offsets.append(i)
            used = 0
        used += size
    return offsets
