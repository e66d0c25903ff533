"""The source view: one file, syntax highlighted, with the current line, breakpoint markers and a cursor.

A click in the gutter toggles a breakpoint; Ctrl+F10 (VS Code) or `t` (pudb) runs to the cursor line, and so does
Enter once the user has moved the cursor (arrows, page keys, a click, go to line, a search): Enter is also the key
that opened the file (from Loaded sources, say), and a second press, or a key repeat, must not run the program on.
`j` jumps the program to the cursor line; `E` opens the file at the cursor line in $EDITOR.

The drawing and scrolling are `SourceLines` (source_lines.py), the search and go to line `SourceSearch`
(source_search.py); this class loads the file, takes the keys and clicks and says what the user asked for.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message

from .source_lines import Marker
from .source_search import SourceSearch

__all__ = ["Marker", "SourceView"]


class LineMessage(Message):
    """Something the user asked for at `line` of the file at `path`."""

    def __init__(self, path: str, line: int) -> None:
        super().__init__()
        self.path = path
        self.line = line


class SourceView(SourceSearch, can_focus=True):
    DEFAULT_CSS = """
    SourceView {
        border-title-color: $text;
        scrollbar-size: 1 1;
    }
    SourceView > .source-view--gutter { color: $text-muted; }
    SourceView > .source-view--current { background: $warning 45%; text-style: bold; }
    SourceView > .source-view--cursor { background: $primary 35%; }
    SourceView > .source-view--breakpoint { color: $error; }
    SourceView > .source-view--old { background: $secondary 20%; }
    """

    COMPONENT_CLASSES = {
        "source-view--gutter",
        "source-view--current",
        "source-view--cursor",
        "source-view--breakpoint",
        "source-view--old",
    }

    BINDINGS = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "cursor_to(1)", show=False),
        Binding("end", "cursor_to(-1)", show=False),
        Binding("ctrl+f10,t", "run_to_cursor", "Run to line", show=False),
        Binding("enter", "enter_run_to_cursor", "Run to line", show=False),
        Binding("slash", "search", "Search", show=False),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N", "next_match(-1)", "Previous match", show=False),
        Binding("escape", "end_search", show=False),
        Binding("g,colon", "ask_line", "Go to line", show=False),
        Binding("j", "jump", "Jump here", show=False),
        Binding("E", "edit", "Editor", show=False),
    ]

    class GutterClicked(LineMessage):
        """The user clicked the gutter of `line`: toggle a breakpoint there."""

    class RunToLine(LineMessage):
        """Run the program on until it reaches `line`."""

    class JumpToLine(LineMessage):
        """Set next statement: the stopped frame goes on from `line`."""

    class EditRequested(LineMessage):
        """Open the file at `line` in the user's editor."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.path: str | None = None
        self.title = "Source"
        self.old_code = False  # showing the source an old-code frame runs
        self.border_title = "Source"

    # -- attributes down ----------------------------------------------------------------------------------
    def show_file(
        self,
        path: str | None,
        *,
        current_line: int | None = None,
        title: str | None = None,
        text: str | None = None,
        old_code: bool = False,
        reload: bool = False,
        note: str = "",
    ) -> None:
        """Show `path` (or `text`, the source an old frame runs) with `current_line` marked; `note` goes under
        the view until the next call."""
        changed = path != self.path or text is not None or reload or old_code != self.old_code
        before = (self.current_line, self.cursor_line)
        if changed:
            self.set_text(text if text is not None else _read(path))
            self.path = path
            self.old_code = old_code
        self._set_titles(title, note)
        if self.search is not None and changed:
            self._find_matches()
        self.current_line = current_line
        if current_line:
            self.cursor_line = current_line
            self._cursor_moved = False
        self.cursor_line = max(1, min(self.cursor_line, max(1, len(self.lines))))
        self.virtual_size = Size(self.text_width + self._gutter_width + 1, len(self.lines))
        self._draw_after_show(changed, before)

    def _set_titles(self, title: str | None, note: str) -> None:
        self.title = title or self.title
        border_title = self.title + ("  (old code: the source this frame runs)" if self.old_code else "")
        if self.border_title != border_title:  # setting a border text draws the view again, even the same one
            self.border_title = border_title
        self._note = note
        if self.border_subtitle != note:
            self.border_subtitle = note

    def _draw_after_show(self, changed: bool, before: tuple[int | None, int]) -> None:
        """Scroll to the execution line, and draw again what `show_file` changed: the whole view for another
        text or a scroll, else only the lines that were or are marked."""
        current_line = self.current_line
        scrolled = True
        if current_line:
            if changed or not self.size.height:
                self.call_after_refresh(self._center, current_line)  # once the new size is known
            else:
                scrolled = self._reveal(current_line)  # now: a step draws the view once, not twice
        elif not changed and current_line == before[0]:
            scrolled = False
        if changed or scrolled:
            self.refresh()
            return
        top = self.scroll_offset.y
        for line in {*before, current_line, self.cursor_line}:
            if line is not None and top < line <= top + self.size.height:
                self.refresh(Region(0, line - 1 - top, self.size.width, 1))

    # -- input --------------------------------------------------------------------------------------------
    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        line = offset.y + self.scroll_offset.y + 1
        if not self.path or line > len(self.lines):
            return
        if offset.x < self._gutter_width:
            self.post_message(self.GutterClicked(self.path, line))
        else:
            self.cursor_line = line
            self._cursor_moved = True
            self.refresh()

    def on_focus(self) -> None:
        self._cursor_moved = False
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor_line + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor_line + direction * max(1, self._view_height - 1))

    def action_cursor_to(self, line: int) -> None:
        self._move_to(len(self.lines) if line < 0 else line)

    def _ask(self, message: type[LineMessage]) -> None:
        """Post `message` for the cursor line, when the view shows a file the program runs (not old code)."""
        if self.path and not self.old_code:
            self.post_message(message(self.path, self.cursor_line))

    def action_run_to_cursor(self) -> None:
        self._ask(self.RunToLine)

    def action_enter_run_to_cursor(self) -> None:
        """Enter: run to the cursor line, once the user has moved the cursor there (not the Enter that
        opened the file, nor its repeats)."""
        if self._cursor_moved:
            self._ask(self.RunToLine)

    def action_jump(self) -> None:
        self._ask(self.JumpToLine)

    def action_edit(self) -> None:
        self._ask(self.EditRequested)


def _read(path: str | None) -> str:
    if path is None:
        return ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as exc:
        return f"# cannot read {path}: {exc}"
