"""A pane's style, worked out once per draw instead of once per line.

`Widget.rich_style` walks every ancestor's styles; a pane drawn line by line (Textual's line API) asked for it
once per line, and that took a third of the source view's drawing time. A pane with this mixin reads
`draw_style` in `render_line`: the style of this draw, or (outside a draw) `rich_style` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.widget import Widget as _Widget
else:
    _Widget = object  # not a DOMNode: Textual takes CSS and component classes from the first DOMNode base


class StyleOncePerDraw(_Widget):
    """Mix in before the widget class: `class Pane(StyleOncePerDraw, ScrollView)`."""

    _draw_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._draw_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._draw_style = None

    @property
    def draw_style(self) -> Style:
        return self._draw_style or self.rich_style
