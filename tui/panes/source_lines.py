"""The source view's lines: a file's text drawn on demand, with its highlighting, markers, execution line and cursor.

Lines are rendered on demand (Textual's line API), so a 10,000-line file costs only what is on screen, and a
rendered line is cached: a step changes two lines of the view (the old and the new execution line), every
other line comes from the cache.

The execution line (the selected frame's) and the cursor line have backgrounds of their own, from the theme
($warning and $primary), and every syntax colour on them is kept at a WCAG contrast of at least 4.5:1 with that
background (a colour below it is swapped for black or white, whichever reads better). The syntax colours follow
the theme: a dark pygments style on dark themes, a light one on light themes. Matches of a search are drawn
reversed.

The cursor moves the view only as far as it must to stay in it. A new execution line moves the view only when
it is not in it with `CONTEXT` lines above and below (then it comes to the middle), as in pudb: a step within
the view draws the two lines that changed, not the whole view and its scrollbar.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..theme_styles import _BLACK, _WHITE, contrast, readable_on
from .draw_style import StyleOncePerDraw

_MARK_BP = "●"
_MARK_BP_COND = "◆"
_MARK_BP_OFF = "○"
_MARK_CURRENT = "▶"

_STRIP_CACHE_LINES = 500  # the cache of rendered lines is emptied when it holds four times this


def smart_case_find(line: str, needle: str) -> list[int]:
    """Columns where `needle` starts in `line`: case-insensitive unless `needle` has a capital."""
    if not needle:
        return []
    hay, pat = (line, needle) if needle != needle.lower() else (line.lower(), needle.lower())
    out, start = [], hay.find(pat)
    while start >= 0:
        out.append(start)
        start = hay.find(pat, start + max(1, len(pat)))
    return out


@dataclass(frozen=True)
class Marker:
    line: int
    verified: bool = True
    conditional: bool = False


class SourceLines(StyleOncePerDraw, ScrollView):
    """The lines, the marks on them and the scrolling; `SourceView` adds the file, the keys and the messages."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self.text_width = 0  # the longest line's
        self._highlighted: list[Text] | None = None
        self.current_line: int | None = None  # the selected frame's line
        self.cursor_line = 1
        self.markers: dict[int, Marker] = {}
        self._highlight_gen = 0
        self._strips: dict[tuple[object, ...], Strip] = {}  # rendered lines (render_line)
        self.search: str | None = None  # the text searched for, while a search is on
        self.matches: list[tuple[int, int]] = []  # (line, column) of each match
        # The user moved the cursor since the view took the focus or the program stopped: Enter runs to it.
        self._cursor_moved = False

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        self._highlighted = None
        self._highlight_gen += 1
        self._highlight(self._highlight_gen)

    def set_text(self, text: str) -> None:
        """New lines; highlighted after the next paint (pygments costs ~0.1 s, a first paint must not wait). The
        same lines again (the file shown at start-up, then at the first stop) keep their highlighting."""
        lines = text.expandtabs(4).splitlines()
        if lines == self.lines and lines:
            return
        self.lines = lines
        self.text_width = max((len(line) for line in self.lines), default=0)
        self._highlighted = None
        self._highlight_gen += 1
        self.call_after_refresh(self._highlight, self._highlight_gen)

    def _highlight(self, gen: int) -> None:
        if gen != self._highlight_gen or self._highlighted is not None:
            return
        from rich.syntax import Syntax

        code = "\n".join(self.lines)
        dark = self.app.current_theme.dark if self.is_attached else True
        syntax = Syntax(code, "python", theme="monokai" if dark else "default", background_color="default")
        text = syntax.highlight(code)
        text.style = Style()
        lines = text.split("\n", allow_blank=True)[: len(self.lines)]
        lines.extend(Text("") for _ in range(len(self.lines) - len(lines)))
        self._highlighted = list(lines)
        self.refresh()

    def set_markers(self, markers: list[Marker]) -> None:
        new = {m.line: m for m in markers}
        if new != self.markers:  # every stop sets them: the same ones draw nothing again
            self.markers = new
            self.refresh()

    # -- scrolling ----------------------------------------------------------------------------------------
    CONTEXT = 3  # lines kept in the view above and below a new execution line (fewer in a tiny view)

    def go_to_line(self, line: int) -> None:
        """Put the cursor on `line`, scrolled to the middle of the view."""
        self.cursor_line = max(1, min(line, max(1, len(self.lines))))
        self._center(self.cursor_line)

    def _reveal(self, line: int) -> bool:
        """Bring `line` to the middle of the view unless it is in the view with `CONTEXT` lines around it (or
        as near to that as the start or the end of the file allows): then nothing scrolls (False)."""
        height = self._view_height
        context = min(self.CONTEXT, (height - 1) // 2)
        top = self.scroll_offset.y
        first, last = top + 1 + context, top + height - context  # the lines that need no scroll
        if line < first:
            needed = top > 0
        elif line > last:
            needed = top < self.max_scroll_y
        else:
            needed = False
        if needed:
            self._center(line)
        return needed

    def _center(self, line: int) -> None:
        self.scroll_to(y=max(0, line - 1 - self._view_height // 2), animate=False)
        self.refresh()

    def _move_to(self, line: int) -> None:
        """The cursor to `line`, the view scrolled just enough to show it."""
        self.cursor_line = max(1, min(line, max(1, len(self.lines))))
        self._cursor_moved = True
        top = self.scroll_offset.y
        height = self._view_height
        if self.cursor_line - 1 < top:
            self.scroll_to(y=self.cursor_line - 1, animate=False)
        elif self.cursor_line - 1 >= top + height:
            self.scroll_to(y=self.cursor_line - height, animate=False)
        self.refresh()

    @property
    def _view_height(self) -> int:
        """Rows of text shown: without the horizontal scrollbar, so the cursor line is never under it."""
        return max(1, self.scrollable_content_region.height or self.size.height)

    # -- drawing ------------------------------------------------------------------------------------------
    @property
    def _gutter_width(self) -> int:
        return len(str(max(1, len(self.lines)))) + 4  # marker, number, arrow, space

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.size.width
        base = self.draw_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line_no = index + 1
        line_class = None
        if line_no == self.current_line:
            line_class = "source-view--current"
        elif line_no == self.cursor_line and self.has_focus:
            line_class = "source-view--cursor"
        searched = self.search if self.search and any(m[0] == line_no for m in self.matches) else None
        key = (
            index,
            line_class,
            self.markers.get(line_no),
            line_no == self.current_line,
            width,
            scroll_x,
            self._highlight_gen,
            self._highlighted is not None,
            base,
            searched,
        )
        cached = self._strips.get(key)
        if cached is None:
            if len(self._strips) > 4 * _STRIP_CACHE_LINES:
                self._strips.clear()
            cached = self._strips[key] = self._render_source_line(
                index, line_class, searched, width, scroll_x
            )
        return cached

    def _render_source_line(
        self, index: int, line_class: str | None, searched: str | None, width: int, scroll_x: int
    ) -> Strip:
        base = self.draw_style
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
        if searched:
            text = text.copy()
            for col in smart_case_find(self.lines[index], searched):
                text.stylize("reverse", col, col + len(searched))
        segments = list(text.render(self.app.console))
        body = Strip(segments).crop(scroll_x, scroll_x + max(0, width - self._gutter_width))
        strip = Strip([*gutter, *body], None)
        strip = strip.apply_style(base).extend_cell_length(width, base)
        if line_class is not None:
            strip = self._on_line_background(strip, line_class)
        return strip.crop(0, width)

    def line_background(self, line_class: str) -> Color:
        """The background of the execution or cursor line: the component's colour over the pane's."""
        under = self.background_colors[1]
        return under + self.get_component_styles(line_class).background

    def _on_line_background(self, strip: Strip, line_class: str) -> Strip:
        """The strip on the line's background, every colour on it readable (MIN_CONTRAST)."""
        bg = self.line_background(line_class)
        extra = self.get_component_styles(line_class)
        bold = bool(getattr(extra.text_style, "bold", False))
        default_fg = Color.from_rich_color(self.rich_style.color) if self.rich_style.color else _WHITE
        rich_bg = bg.rich_color
        out: list[Segment] = []
        for text, style, control in strip:
            style = style or Style()
            if style.reverse:  # a search match: its colours swap, so its background is the text's colour
                style = style + Style(reverse=False)
                fg = _WHITE if contrast(_WHITE, bg) < contrast(_BLACK, bg) else _BLACK
                out.append(Segment(text, style + Style(color=bg.rich_color, bgcolor=fg.rich_color), control))
                continue
            fg = Color.from_rich_color(style.color) if style.color is not None else default_fg
            fg = readable_on(fg, bg)
            new = style + Style(color=fg.rich_color, bgcolor=rich_bg, bold=True if bold else None)
            out.append(Segment(text, new, control))
        return Strip(out, strip.cell_length)
