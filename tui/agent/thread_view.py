"""The agent thread, live: messages (streamed), tool calls with progress then results, reload records inline,
each entry tagged with the surface revision it was produced under.

A thread can hold thousands of entries, so this is a line-API scroll view: every entry is rendered once to
strips (again only when it changes, e.g. a tool result arrives, or the width changes) and only visible lines
are drawn. Appending costs one entry's rendering, whatever the thread's length.

Long text folds: a tool result over ``FOLD_BYTES`` (or ``FOLD_LINES`` lines) shows its first lines and its
size, and a failed call's traceback shows as one line; a click on it, or Enter on the view (the fold lowest
on screen), unfolds it, and again folds it. Folded or not, such text is cut into lines here, without Rich's
wrapping, which would take a minute for a 5 MB result.

A call whose turn is not running any more (an earlier session stopped during it, or its result was never
written) shows as interrupted, never as running: ``load`` marks the calls a history leaves open.
"""

from __future__ import annotations

import bisect
import time
from math import ceil

from dapper_tui.capsule.events import Event
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.timer import Timer

from .thread_entries import (
    INTERRUPTED,
    PREVIEW_LINES,
    Entry,
    Line,
    plain_lines,
    render_entry,
)

_PLAIN = Style()


class ThreadScrollBar(ScrollBar):
    """Textual's scrollbar, drawn again only when what it shows changes. An append to a long thread grows the
    scroll range and moves the position by far less than the scrollbar's finest step (an eighth of a cell):
    the same bar would be drawn, and for the thread that was as much work as its own new lines."""

    _drawn: tuple[tuple[object, ...], list[Strip]] | None = None

    def _thumb(self) -> tuple[int, int] | None:
        """Where the thumb is drawn, in eighths of a cell (the arithmetic of ScrollBarRender.render_bar)."""
        size = self.size.height if self.vertical else self.size.width
        virtual = ceil(self.window_virtual_size)
        window = ceil(self.window_size) if self.window_size < self.window_virtual_size else 0
        if not (window and size and virtual and size != virtual):
            return None
        steps = len(self.renderer.VERTICAL_BARS if self.vertical else self.renderer.HORIZONTAL_BARS)
        thumb = max(1, window / (virtual / size))
        start = int((size - thumb) * (self.position / (virtual - window)) * steps)
        return start, start + ceil(thumb * steps)

    def render_lines(self, crop: Region) -> list[Strip]:
        parent = self.parent
        if parent is None or self.renderer is not ScrollBarRender:
            return super().render_lines(crop)
        styles = parent.styles
        key = (
            crop,
            self.size,
            self._thumb(),
            self.thickness,
            self.grabbed is not None,
            self.mouse_over,
            parent.background_colors,
            styles.scrollbar_background,
            styles.scrollbar_color,
            styles.scrollbar_background_hover,
            styles.scrollbar_color_hover,
            styles.scrollbar_background_active,
            styles.scrollbar_color_active,
            self.screen.styles.scrollbar_color,
            id(self.app.ansi_theme),
        )
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, super().render_lines(crop))
        return self._drawn[1]


class ThreadView(ScrollView, can_focus=True):
    BINDINGS = [Binding("enter", "toggle_fold", "Fold/unfold", show=False)]
    DEFAULT_CSS = """
    ThreadView {
        height: 1fr;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.entries: list[Entry] = []
        self._lines: list[Line] = []
        self._styles: list[Style] = []
        self._style_ids: dict[Style, int] = {}
        self._starts: list[int] = []  # first line of each entry
        self._tools: dict[str, int] = {}  # call id -> entry index, while running
        self._streaming: int | None = None  # entry index of the assistant text being streamed
        self._width = 0
        self._ticker: Timer | None = None
        self.thread_id: str | None = None
        self.follow = True  # keep the newest entry in view until the user scrolls up
        self._scroll_pending = False
        self._range_known = False
        # Strips of lines drawn recently, by line number: an append scrolls the view by a few lines, and the
        # lines still on screen are drawn from here instead of being built again.
        self._strips: dict[int, Strip] = {}
        self._strips_key: tuple[int, int] = (0, 0)  # (scroll_x, width) the cached strips were cut for
        # The same lines once styled (padding, background, border sides: Textual's StylesCache), by line
        # number, valid while `_styled_key` (everything but the scroll position they depend on) holds.
        self._styled: dict[int, Strip] = {}
        self._styled_key: tuple[object, ...] = ()

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's own (Widget.vertical_scrollbar), as a ThreadScrollBar."""
        if self._vertical_scrollbar is None:
            bar = ThreadScrollBar(vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    # -- public -------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self._forget_strips()
        self.entries.clear()
        self._lines.clear()
        self._starts.clear()
        self._tools.clear()
        self._streaming = None
        self._resize_virtual()
        self.refresh()

    def load(self, events: list[Event], *, running: bool = False) -> None:
        """Show a thread's stored history. Unless a turn is ``running`` in it, a call the history leaves
        without a result shows as interrupted (its process is gone), never as running."""
        for event in events:
            self.add_event(event)
        if not running:
            self.close_open_calls()

    def close_open_calls(self) -> None:
        """Calls shown as running whose turn is over: shown as interrupted."""
        for index in list(self._tools.values()):
            entry = self.entries[index]
            entry.data.update(result=INTERRUPTED, is_error=True, interrupted=True)
            entry.done = True
            entry._folds = None
            self._update(index)
        self._tools.clear()

    def add_event(self, event: Event) -> None:
        """Show one thread event (live or replayed from the store)."""
        t = event.type
        if t == "assistant_delta":
            if self._streaming is None:
                self._streaming = self._append(Entry("assistant", event.revision, {"text": ""}, done=False))
            entry = self.entries[self._streaming]
            entry.data["text"] = entry.data.get("text", "") + str(event.get("text", ""))
            self._update(self._streaming)
        elif t == "assistant":
            if self._streaming is not None:
                entry = self.entries[self._streaming]
                entry.data["text"], entry.done = event.get("text", ""), True
                entry._folds = None
                self._update(self._streaming)
                self._streaming = None
            else:
                self._append(Entry("assistant", event.revision, {"text": event.get("text", "")}))
        elif t == "user":
            self._append(Entry("user", event.revision, {"text": event.get("text", "")}))
        elif t == "tool_call":
            data = {**event.data, "turn": event.turn}
            age = (
                max(0.0, time.time() - event.ts) if event.ts else 0.0
            )  # a call followed from another process
            entry = Entry("tool", event.revision, data, started=time.monotonic() - age, done=False)
            index = self._append(entry)
            self._tools[str(event.get("call_id"))] = index
            self._start_ticker()
        elif t == "tool_result":
            running = self._tools.pop(str(event.get("call_id")), None)
            if running is None:
                self._append(Entry("tool", event.revision, dict(event.data)))
            else:
                entry = self.entries[running]
                entry.data.update(event.data)
                entry.done = True
                entry._folds = None
                self._update(running)
        elif t == "reload":
            self._append(Entry("reload", event.revision, dict(event.data)))
        elif t == "error":
            self._append(Entry("error", event.revision, dict(event.data)))
        elif t == "turn_end":
            self._streaming = None
            if self._tools:  # calls of this turn never answered (the turn was stopped): not running
                turn = event.turn
                for call_id, index in list(self._tools.items()):
                    if self.entries[index].data.get("turn", turn) == turn:
                        del self._tools[call_id]
                        entry = self.entries[index]
                        entry.data.update(result=INTERRUPTED, is_error=True, interrupted=True)
                        entry.done = True
                        entry._folds = None
                        self._update(index)
        elif t == "thread_start":
            self._append(Entry("note", event.revision, {"text": f"new thread ({event.get('model', '')})"}))

    @property
    def running_tools(self) -> int:
        return len(self._tools)

    def plain_text(self) -> str:
        """What the thread shows, as text (tests and the screen reader in all of us)."""
        return "\n".join("".join(text for text, _ in line).rstrip() for line in self._all_lines())

    # -- rendering ----------------------------------------------------------------------------------------
    def _render_entry(self, entry: Entry) -> list[Line]:
        """Render an entry to compact lines: tuples of (text, style number). Tuples of atoms are not tracked
        by the garbage collector, so a long thread costs no collection time (Strips would, 12 objects each);
        Strips are built only for the lines on screen."""
        width = max(10, self._width or self.scrollable_content_region.width or 80)
        console = self.app.console
        options = console.options.update_width(width)
        lines = console.render_lines(render_entry(entry, time.monotonic()), options, pad=False)
        out: list[Line] = [
            tuple((seg.text, self._style_id(seg.style)) for seg in line if not seg.control) for line in lines
        ]
        entry.fold_lines = {}
        for fold in entry.folds:
            start = len(out)
            body = self._style_id(Style.parse(fold.style) if fold.style else None)
            toggle = self._style_id(Style.parse("bold cyan"))
            if fold.key in entry.open_folds:
                out.extend(((text, body),) for text in plain_lines(fold.text, width, 4))
                out.append(((f"  ▾ fold ({fold.label})", toggle),))
            else:
                if fold.preview:
                    shown = plain_lines(fold.text, width, 4, limit=PREVIEW_LINES)
                    out.extend(((text, body),) for text in shown)
                hint = "  (click or Enter to show all)" if fold.preview else "  (click or Enter to show)"
                out.append(((f"  ▸ {fold.label}", toggle), (hint, self._style_id(Style.parse("dim")))))
            for line in range(start, len(out)):
                entry.fold_lines[line] = fold.key
        out.append(())  # a blank line between entries
        return out

    def _style_id(self, style: Style | None) -> int:
        key = style or _PLAIN
        sid = self._style_ids.get(key)
        if sid is None:
            sid = self._style_ids[key] = len(self._styles)
            self._styles.append(key)
        return sid

    def _all_lines(self) -> list[Line]:
        self._ensure_width()
        return self._lines

    def _append(self, entry: Entry) -> int:
        self.entries.append(entry)
        index = len(self.entries) - 1
        if self.is_mounted and self._width:
            entry.strips = self._render_entry(entry)
            self._starts.append(len(self._lines))
            self._lines.extend(entry.strips)
            self._resize_virtual()
            self._follow_end()
            self.refresh()
        return index

    def _update(self, index: int, follow: bool = True) -> None:
        if not (self.is_mounted and self._width) or index >= len(self._starts):
            return
        entry = self.entries[index]
        old = len(entry.strips or [])
        entry.strips = self._render_entry(entry)
        start = self._starts[index]
        self._lines[start : start + old] = entry.strips
        self._forget_strips()
        delta = len(entry.strips) - old
        if delta:
            for i in range(index + 1, len(self._starts)):
                self._starts[i] += delta
            self._resize_virtual()
            if follow:
                self._follow_end()
        self.refresh()

    def _ensure_width(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self._width:
            self._width = width
            self._forget_strips()
            self._lines = []
            self._starts = []
            for entry in self.entries:
                entry.strips = self._render_entry(entry)
                self._starts.append(len(self._lines))
                self._lines.extend(entry.strips)
            self._resize_virtual()

    def _resize_virtual(self) -> None:
        size = Size(self._width or 1, len(self._lines))
        self._range_known = (
            self.is_mounted and self.show_vertical_scrollbar and size.width == self.virtual_size.width
        )
        if self._range_known:
            # Growing a thread that already scrolls changes nothing around it: update the scroll range
            # without the full re-layout that assigning the reactive would cost on every append.
            self.set_reactive(ThreadView.virtual_size, size)
            self._scroll_update(size)
            self.refresh()
        else:
            self.virtual_size = size

    def _follow_end(self) -> None:
        if not self.follow:
            return
        if self._range_known and not self._scroll_pending:
            # The scroll range is already up to date: move to the end now, so the append costs one frame,
            # not a frame at the old position followed by a frame at the new one.
            self._scroll_pending = True
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
            self._scroll_pending = False
        elif not self._scroll_pending:
            # Otherwise the layout must see the new virtual size first; one deferred scroll per batch.
            self._scroll_pending = True
            self.call_after_refresh(self._scroll_to_end)

    def _scroll_to_end(self) -> None:
        self._scroll_pending = False
        if self.follow:
            self.scroll_end(animate=False, immediate=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if not self._scroll_pending:  # the user scrolled: follow only while at the end
            self.follow = new >= self.max_scroll_y - 1

    def on_resize(self) -> None:
        self._ensure_width()
        self._follow_end()

    def _forget_strips(self) -> None:
        """The lines' text changed: no strip drawn before is valid."""
        self._strips.clear()
        self._styled.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Textual styles each line of the view (padding, background, border sides) in its StylesCache, by row
        on screen; a scroll makes every row dirty. An append scrolls by a few lines, so the styled lines still on
        screen are kept here by line number and handed back to the StylesCache as clean rows: only the new
        lines are styled again. Rows that are not plain content (border, padding, outline top and bottom)
        are left to Textual."""
        self._ensure_width()
        cache = self._styles_cache
        styles = self.styles
        size = self.region.size
        outline = styles.outline
        app = self.app
        key = (
            size,
            self.scroll_offset.x,
            self.background_colors,
            styles.padding,
            styles.border,
            outline,
            self.opacity,
            styles.text_opacity,
            styles.tint,
            styles.hatch if styles.has_rule("hatch") else None,
            id(app.ansi_theme),
            app.native_ansi_color,
        )
        if key != self._styled_key or len(self._styled) > 2 * max(1, size.height):
            self._styled.clear()
            self._styled_key = key
        gutter = styles.gutter
        first = max(gutter.top, 1 if outline[0][0] else 0)
        end = min(size.height - gutter.bottom, size.height - (1 if outline[2][0] else 0))
        rows = range(max(crop.y, first), min(crop.bottom, end))
        offset = int(self.scroll_offset.y) - gutter.top  # line number = row + offset
        count = len(self._lines)
        styled = self._styled
        if cache._width == size.width:  # else the StylesCache starts afresh (and so must these)
            for row in rows:
                strip = styled.get(row + offset) if row + offset < count else None
                if strip is not None:
                    cache._cache[row] = strip
                    cache._dirty_lines.discard(row)
        else:
            styled.clear()
        strips = super().render_lines(crop)
        for row in rows:
            if row + offset < count and (strip := cache._cache.get(row)) is not None:
                styled[row + offset] = strip
        return strips

    def render_line(self, y: int) -> Strip:
        self._ensure_width()
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        if index >= len(self._lines):
            return Strip.blank(self.size.width)
        key = (scroll_x, self.size.width)
        if key != self._strips_key or len(self._strips) > 8 * max(1, self.size.height):
            self._strips.clear()
            self._strips_key = key
        strip = self._strips.get(index)
        if strip is None:
            styles = self._styles
            strip = Strip([Segment(text, styles[sid]) for text, sid in self._lines[index]])
            strip = self._strips[index] = strip.crop_extend(scroll_x, scroll_x + self.size.width, _PLAIN)
        return strip

    # -- folds -------------------------------------------------------------------------------------------
    def toggle_fold(self, index: int, key: str | None = None) -> bool:
        """Unfold (or fold again) a long part of entry ``index``; ``False`` when it has none."""
        entry = self.entries[index]
        folds = [f.key for f in entry.folds]
        if not folds:
            return False
        key = key if key in folds else folds[0]
        opening = key not in entry.open_folds
        if opening:
            entry.open_folds.add(key)
        else:
            entry.open_folds.discard(key)
        self._update(index, follow=False)
        if index < len(self._starts):
            # keep the entry's head in view: its text now starts at the top, or stays where it was
            start = self._starts[index]
            if opening or start < self.scroll_y:
                self.follow = False
                self._scroll_pending = True
                self.scroll_to(y=start, animate=False, immediate=True)
                self._scroll_pending = False
        return True

    def _entry_at(self, line: int) -> int | None:
        self._ensure_width()
        if not self._starts or line < 0 or line >= len(self._lines):
            return None
        return bisect.bisect_right(self._starts, line) - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)  # inside the border and padding
        if offset is None:
            return
        line = int(self.scroll_y) + offset.y
        index = self._entry_at(line)
        if index is None:
            return
        key = self.entries[index].fold_lines.get(line - self._starts[index])
        if key is not None:  # a click on a fold's lines (its preview, its ▸ line, or the unfolded text)
            self.toggle_fold(index, key)

    def action_toggle_fold(self) -> None:
        """Enter: the fold lowest on screen."""
        top, bottom = int(self.scroll_y), int(self.scroll_y) + self.size.height
        first = self._entry_at(top) or 0
        last = self._entry_at(min(bottom, len(self._lines)) - 1)
        if last is None:
            return
        for index in range(last, first - 1, -1):
            if self.entries[index].folds:
                self.toggle_fold(index)
                return

    # -- progress ticker ----------------------------------------------------------------------------------
    def _start_ticker(self) -> None:
        if self._ticker is None and self.is_mounted:
            self._ticker = self.set_interval(0.2, self._tick)

    def _tick(self) -> None:
        if not self._tools:
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None
            return
        for index in list(self._tools.values()):
            self._update(index)
