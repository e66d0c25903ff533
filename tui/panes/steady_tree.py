"""A Tree that repaints itself, not the screen, when its nodes change.

Textual's `Tree` asks for a layout of the whole screen on every change to its nodes (`_invalidate` refreshes
with `layout=True`), in case the tree sizes itself to its content. Our panes never do: the screen's grid gives
each pane its size (`height: 1fr`/`2fr`). A step rebuilds the stack and the variables trees, and each of those
layouts cost about 20 ms at 100x30, more than the rest of the step. A steady tree only marks itself dirty;
its scrollbars still follow the new content, since `virtual_size` is set when its lines are rebuilt.

It also works out its style once per draw, not once per line (`StyleOncePerDraw`).
"""

from __future__ import annotations

from typing import TypeVar

from textual.strip import Strip
from textual.widgets import Tree

from .draw_style import StyleOncePerDraw

T = TypeVar("T")


class SteadyTree(StyleOncePerDraw, Tree[T]):
    """A `Tree` whose size comes from its container: changing its nodes repaints it without a layout."""

    def _invalidate(self) -> None:
        self._clear_line_cache()
        self._updates += 1
        self.root._reset()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        return self._render_line(y + scroll_y, scroll_x, scroll_x + width, self.draw_style)
