"""A pane's styles, worked out once per draw instead of once per line, and once per style change instead of once
per redrawn line.

`Widget.rich_style` walks every ancestor's styles; a pane drawn line by line (Textual's line API) asked for it
once per line, and that took a third of the source view's drawing time. A pane with this mixin reads
`draw_style` in `render_line`: the style of this draw, or (outside a draw) `rich_style` itself.

Textual also forgets a widget's component styles (`get_component_rich_style`, another walk of every ancestor)
at every `refresh`, even one that repaints a single line because its text changed. A step does that to a line
of the call stack, whose tree then worked its five component styles out again: ~2.5 ms of a step's ~20. Here
a refresh of some lines (`refresh(region)`) keeps them; a style change still forgets them, since Textual
refreshes the whole widget for it (`refresh()`, or `notify_style_update`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

if TYPE_CHECKING:
    from typing import Self

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

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        if not regions or layout or recompose:
            return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        kept = dict(self._rich_style_cache)  # Textual's cache of component styles (private; 8.x)
        super().refresh(*regions, repaint=repaint)
        self._rich_style_cache.update(kept)
        return self
