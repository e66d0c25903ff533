"""The source view: one file, syntax highlighted, with the current line, breakpoint markers and a cursor.

Lines are rendered on demand (Textual's line API), so a 10,000-line file costs only what is on screen. A click
in the gutter toggles a breakpoint; Ctrl+F10 (VS Code) or `t` (pudb) runs to the cursor line, and so does Enter
once the user has moved the cursor (arrows, page keys, a click, go to line, a search): Enter is also the key that
opened the file (from Loaded sources, say), and a second press, or a key repeat, must not run the program on.

The execution line (the selected frame's) and the cursor line have backgrounds of their own, from the theme
($warning and $primary), and every syntax colour on them is kept at a WCAG contrast of at least 4.5:1 with that
background (a colour below it is swapped for black or white, whichever reads better). The syntax colours follow
the theme: a dark pygments style on dark themes, a light one on light themes.

`/` searches the file (smart case), `n` / `N` go to the next / previous match while a search is on (Escape ends
it; without a search `n` is step over as ever); `g` or `:` goes to a line; `j` jumps the program to the cursor
line; `E` opens the file at the cursor line in $EDITOR.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding
from textual.color import Color
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..theme_styles import _BLACK, _WHITE, contrast, readable_on

_MARK_BP = "●"
_MARK_BP_COND = "◆"
_MARK_BP_OFF = "○"
_MARK_CURRENT = "▶"


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


_STRIP_CACHE_LINES = 500  # the cache of rendered lines is emptied when it holds four times this


@dataclass(frozen=True)
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

    class JumpToLine(Message):
        """Set next statement: the stopped frame goes on from `line`."""

        def __init__(self, path: str, line: int) -> None:
            super().__init__()
            self.path = path
            self.line = line

    class EditRequested(Message):
        """Open the file at `line` in the user's editor."""

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
        self._strips: dict[tuple[object, ...], Strip] = {}  # rendered lines (render_line)
        self.border_title = "Source"
        self.search: str | None = None  # the text searched for, while a search is on
        self.matches: list[tuple[int, int]] = []  # (line, column) of each match
        self._match_at: tuple[int, int] | None = None  # the match last gone to
        self._note = ""
        # The user moved the cursor since the view took the focus or the program stopped: Enter runs to it.
        self._cursor_moved = False

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        self._highlighted = None
        self._highlight_gen += 1
        self._highlight(self._highlight_gen)

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
        border_title = self.title + ("  (old code: the source this frame runs)" if old_code else "")
        if self.border_title != border_title:  # setting a border text draws the view again, even the same one
            self.border_title = border_title
        self._note = note
        if self.border_subtitle != note:
            self.border_subtitle = note
        if self.search is not None and changed:
            self._find_matches()
        self.current_line = current_line
        if current_line:
            self.cursor_line = current_line
            self._cursor_moved = False
        self.cursor_line = max(1, min(self.cursor_line, max(1, len(self.lines))))
        width = max((len(line) for line in self.lines), default=0) + self._gutter_width + 1
        self.virtual_size = Size(width, len(self.lines))
        scrolled = True
        if current_line:
            if changed or not self.size.height:
                self.call_after_refresh(self._center, current_line)  # once the new size is known
            else:
                scrolled = self._reveal(current_line)  # now: a step draws the view once, not twice
        elif not changed and self.current_line == before[0]:
            scrolled = False
        if changed or scrolled:
            self.refresh()
        else:  # the same text, not scrolled: only the lines that were or are marked are drawn again
            top = self.scroll_offset.y
            for line in {*before, self.current_line, self.cursor_line}:
                if line is not None and top < line <= top + self.size.height:
                    self.refresh(Region(0, line - 1 - top, self.size.width, 1))

    def set_markers(self, markers: list[Marker]) -> None:
        new = {m.line: m for m in markers}
        if new != self.markers:  # every stop sets them: the same ones draw nothing again
            self.markers = new
            self.refresh()

    def go_to_line(self, line: int) -> None:
        """Put the cursor on `line`, scrolled to the middle of the view."""
        self.cursor_line = max(1, min(line, max(1, len(self.lines))))
        self._center(self.cursor_line)

    def _reveal(self, line: int) -> bool:
        """Scroll `line` to the middle of the view; False when it is there already (near the top or the end
        of the file, or the same line again): then nothing scrolls and only the marked lines are drawn again."""
        target = max(0, min(line - 1 - self._view_height // 2, self.max_scroll_y))
        if target == self.scroll_offset.y:
            return False
        self._center(line)
        return True

    def _center(self, line: int) -> None:
        self.scroll_to(y=max(0, line - 1 - self._view_height // 2), animate=False)
        self.refresh()

    @property
    def _view_height(self) -> int:
        """Rows of text shown: without the horizontal scrollbar, so the cursor line is never under it."""
        return max(1, self.scrollable_content_region.height or self.size.height)

    # -- rendering ----------------------------------------------------------------------------------------
    @property
    def _gutter_width(self) -> int:
        return len(str(max(1, len(self.lines)))) + 4  # marker, number, arrow, space

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

    _base_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # the pane's style, worked out once per draw: `rich_style` walks every ancestor's styles, and asking
        # it for each line took a third of the view's drawing time
        self._base_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.size.width
        base = self._base_style or self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line_no = index + 1
        line_class = None
        if line_no == self.current_line:
            line_class = "source-view--current"
        elif line_no == self.cursor_line and self.has_focus:
            line_class = "source-view--cursor"
        searched = self.search if self.search and any(m[0] == line_no for m in self.matches) else None
        # A step changes two lines of the view (the old and the new execution line): every other line comes
        # from this cache instead of being rendered again (rendering all of them took ~15 ms at 100x30).
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
        base = self._base_style or self.rich_style
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

    def _move_to(self, line: int) -> None:
        self.cursor_line = max(1, min(line, max(1, len(self.lines))))
        self._cursor_moved = True
        top = self.scroll_offset.y
        height = self._view_height
        if self.cursor_line - 1 < top:
            self.scroll_to(y=self.cursor_line - 1, animate=False)
        elif self.cursor_line - 1 >= top + height:
            self.scroll_to(y=self.cursor_line - height, animate=False)
        self.refresh()

    def action_run_to_cursor(self) -> None:
        if self.path and not self.old_code:
            self.post_message(self.RunToLine(self.path, self.cursor_line))

    def action_enter_run_to_cursor(self) -> None:
        """Enter: run to the cursor line, once the user has moved the cursor there (not the Enter that
        opened the file, nor its repeats)."""
        if not self._cursor_moved:
            return
        self.action_run_to_cursor()

    def action_jump(self) -> None:
        if self.path and not self.old_code:
            self.post_message(self.JumpToLine(self.path, self.cursor_line))

    def action_edit(self) -> None:
        if self.path and not self.old_code:
            self.post_message(self.EditRequested(self.path, self.cursor_line))

    # -- search and go to line -----------------------------------------------------------------------------
    def action_search(self) -> None:
        from ..screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text:
                self.start_search(text)

        self.app.push_screen(
            PromptScreen("Search in the file", value=self.search or "", note="n / N: next / previous match"),
            done,
        )

    def start_search(self, text: str) -> None:
        """Search for `text` (smart case) and go to the first match at or after the cursor."""
        self.search = text
        self._find_matches()
        if not self.matches:
            self.app.notify(f"not found: {text}", severity="warning", timeout=3)
            self.end_search()
            return
        self._go_to_match(next((m for m in self.matches if m[0] >= self.cursor_line), self.matches[0]))

    def _find_matches(self) -> None:
        needle = self.search or ""
        self.matches = [
            (n, col) for n, line in enumerate(self.lines, 1) for col in smart_case_find(line, needle)
        ]

    def _go_to_match(self, match: tuple[int, int]) -> None:
        number = self.matches.index(match) + 1
        self._match_at = match
        self.border_subtitle = f"/{self.search}  match {number} of {len(self.matches)}  (n / N, Esc ends)"
        self._move_to(match[0])
        width = self.scrollable_content_region.width - self._gutter_width
        if not (self.scroll_offset.x <= match[1] < self.scroll_offset.x + max(1, width)):
            self.scroll_to(x=max(0, match[1] - 4), animate=False)

    def action_next_match(self, direction: int) -> None:
        if self.search is None or not self.matches:
            raise SkipAction()  # no search on: the key is the screen's (n steps over)
        # from the match last gone to (several can share a line), or from the cursor if it moved since
        if self._match_at is not None and self._match_at[0] == self.cursor_line:
            here = self._match_at
        else:
            here = (self.cursor_line, -1 if direction > 0 else 1 << 30)
        if direction > 0:
            found = next((m for m in self.matches if m > here), self.matches[0])
        else:
            found = next((m for m in reversed(self.matches) if m < here), self.matches[-1])
        self._go_to_match(found)

    def end_search(self) -> None:
        self.search = None
        self.matches = []
        self._match_at = None
        self.border_subtitle = self._note
        self.scroll_to(x=0, animate=False)  # a match far to the right scrolled the view sideways
        self.refresh()

    def action_end_search(self) -> None:
        if self.search is None:
            raise SkipAction()
        self.end_search()

    def action_ask_line(self) -> None:
        from ..screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text and text.strip().lstrip(":").isdigit():
                self._move_to_center(int(text.strip().lstrip(":")))
            elif text:
                self.app.notify(f"not a line number: {text}", severity="warning", timeout=3)

        self.app.push_screen(
            PromptScreen(f"Go to line (1-{len(self.lines)})", placeholder="line number"), done
        )

    def _move_to_center(self, line: int) -> None:
        self.go_to_line(line)
        self._cursor_moved = True
        self.refresh()
