"""The source view: one file, syntax highlighted, with the current line, breakpoint markers and a cursor.

Lines are rendered on demand (Textual's line API), so a 10,000-line file costs only what is on screen. A click
in the gutter toggles a breakpoint; Ctrl+F10 (VS Code) or `t` (pudb) runs to the cursor line. Enter does not:
it is the key that opened the file (from Loaded sources, say), and a second press would run the program on.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

_MARK_BP = "●"
_MARK_BP_COND = "◆"
_MARK_BP_OFF = "○"
_MARK_CURRENT = "▶"


@dataclass
class Marker:
    line: int
    verified: bool = True
    conditional: bool = False


class SourceView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    SourceView {
        border-title-color: $text;
        scrollbar-size: 1 1;
    }
    SourceView > .source-view--gutter { color: $text-muted; }
    SourceView > .source-view--current { background: $warning 30%; }
    SourceView > .source-view--cursor { background: $accent 25%; }
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
    ]

    class GutterClicked(Message):
        """The user clicked the gutter of `line`: toggle a breakpoint there."""

        def __init__(self, path: str, line: int) -> None:
            super().__init__()
            self.path = path
            self.line = line

    class RunToLine(Message):
        def __init__(self, path: str, line: int) -> None:
            super().__init__()
            self.path = path
            self.line = line

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.path: str | None = None
        self.title = "Source"
        self.lines: list[str] = []
        self._highlighted: list[Text] | None = None
        self.current_line: int | None = None  # the selected frame's line
        self.cursor_line = 1
        self.markers: dict[int, Marker] = {}
        self.old_code = False  # showing the source an old-code frame runs
        self._highlight_gen = 0
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
        if path != self.path or text is not None or reload or old_code != self.old_code:
            if text is None and path is not None:
                try:
                    with open(path, encoding="utf-8", errors="replace") as f:
                        text = f.read()
                except OSError as exc:
                    text = f"# cannot read {path}: {exc}"
            self.lines = (text or "").expandtabs(4).splitlines()
            self._highlighted = None
            self._highlight_gen += 1
            # highlight after the next paint: pygments costs ~0.1 s, first paint must not wait for it
            self.call_after_refresh(self._highlight, self._highlight_gen)
            self.path = path
            self.old_code = old_code
        self.title = title or self.title
        self.border_title = self.title + ("  (old code: the source this frame runs)" if old_code else "")
        self.border_subtitle = note
        self.current_line = current_line
        if current_line:
            self.cursor_line = current_line
        self.cursor_line = max(1, min(self.cursor_line, max(1, len(self.lines))))
        width = max((len(line) for line in self.lines), default=0) + self._gutter_width + 1
        self.virtual_size = Size(width, len(self.lines))
        if current_line:
            self.call_after_refresh(self._center, current_line)
        self.refresh()

    def set_markers(self, markers: list[Marker]) -> None:
        self.markers = {m.line: m for m in markers}
        self.refresh()

    def go_to_line(self, line: int) -> None:
        """Put the cursor on `line`, scrolled to the middle of the view."""
        self.cursor_line = max(1, min(line, max(1, len(self.lines))))
        self._center(self.cursor_line)

    def _center(self, line: int) -> None:
        height = self.scrollable_content_region.height or self.size.height
        self.scroll_to(y=max(0, line - 1 - height // 2), animate=False)

    # -- rendering ----------------------------------------------------------------------------------------
    @property
    def _gutter_width(self) -> int:
        return len(str(max(1, len(self.lines)))) + 4  # marker, number, arrow, space

    def _highlight(self, gen: int) -> None:
        if gen != self._highlight_gen or self._highlighted is not None:
            return
        from rich.syntax import Syntax

        code = "\n".join(self.lines)
        syntax = Syntax(code, "python", theme="monokai", background_color="default")
        text = syntax.highlight(code)
        text.style = Style()
        lines = text.split("\n", allow_blank=True)[: len(self.lines)]
        lines.extend(Text("") for _ in range(len(self.lines) - len(lines)))
        self._highlighted = list(lines)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.size.width
        base = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line_no = index + 1
        gutter_style = self.get_component_rich_style("source-view--gutter")
        marker = self.markers.get(line_no)
        if marker is None:
            mark = Segment(" ", base)
        else:
            symbol = _MARK_BP_COND if marker.conditional else _MARK_BP if marker.verified else _MARK_BP_OFF
            mark = Segment(symbol, base + self.get_component_rich_style("source-view--breakpoint"))
        digits = self._gutter_width - 4
        arrow = _MARK_CURRENT if line_no == self.current_line else " "
        gutter = [
            mark,
            Segment(f"{line_no:>{digits}} ", base + gutter_style),
            Segment(arrow + " ", base + self.get_component_rich_style("source-view--current", partial=True)),
        ]
        text = self._highlighted[index] if self._highlighted is not None else Text(self.lines[index])
        segments = list(text.render(self.app.console))
        line_style = None
        if line_no == self.current_line:
            line_style = self.get_component_rich_style("source-view--current", partial=True)
        elif line_no == self.cursor_line and self.has_focus:
            line_style = self.get_component_rich_style("source-view--cursor", partial=True)
        body = Strip(segments).crop(scroll_x, scroll_x + max(0, width - self._gutter_width))
        strip = Strip([*gutter, *body], None)
        strip = strip.apply_style(base).extend_cell_length(width, base)
        if line_style is not None:
            strip = Strip(Segment.apply_style(strip, post_style=line_style))
        return strip.crop(0, width)

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
            self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor_line + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor_line + direction * max(1, self.size.height - 1))

    def action_cursor_to(self, line: int) -> None:
        self._move_to(len(self.lines) if line < 0 else line)

    def _move_to(self, line: int) -> None:
        self.cursor_line = max(1, min(line, max(1, len(self.lines))))
        top = self.scroll_offset.y
        height = self.size.height
        if self.cursor_line - 1 < top:
            self.scroll_to(y=self.cursor_line - 1, animate=False)
        elif self.cursor_line - 1 >= top + height:
            self.scroll_to(y=self.cursor_line - height, animate=False)
        self.refresh()

    def action_run_to_cursor(self) -> None:
        if self.path and not self.old_code:
            self.post_message(self.RunToLine(self.path, self.cursor_line))
