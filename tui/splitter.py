"""A one-column splitter between the source and a sidebar: drag it with the mouse to resize that sidebar.

`[` and `]` (the screen's keys) resize both sidebars by steps; the splitter gives the mouse the same control.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget


class Splitter(Widget):
    """Dragging it sets the width (in cells) of `target`, the sidebar on its `side` ("left" or "right")."""

    DEFAULT_CSS = """
    Splitter { width: 1; height: 1fr; background: $surface; color: $primary 40%; }
    Splitter:hover, Splitter.-dragging { background: $accent 60%; }
    """

    def __init__(self, target: str, side: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.target = target  # the selector of the sidebar it resizes
        self.side = side
        self._start: tuple[int, int] | None = None  # (screen x at the press, the sidebar's width then)
        self.tooltip = "drag to resize ([ and ] too)"

    def render(self) -> str:
        return "\n".join("┊" for _ in range(self.size.height))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        sidebar = self.screen.query_one(self.target)
        self._start = (event.screen_x, sidebar.outer_size.width)
        self.add_class("-dragging")
        self.capture_mouse()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._start is None:
            return
        x0, width0 = self._start
        delta = event.screen_x - x0
        width = width0 + (delta if self.side == "left" else -delta)
        resize = getattr(self.screen, "set_sidebar_width", None)
        if resize is not None:
            resize(self.target, width)
        event.stop()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._start is not None:
            self._start = None
            self.remove_class("-dragging")
            self.release_mouse()
            event.stop()
