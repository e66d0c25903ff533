"""Rich styles in the colours of the current Textual theme, for the text the panes build themselves (labels,
the status line): the theme's `text-<role>` colours are made to read on its surfaces, light or dark, where a
fixed "yellow" or "cyan" would not on a light theme."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.color import Color

MIN_CONTRAST = 4.5  # WCAG AA for normal text
_BLACK = Color(0, 0, 0)
_WHITE = Color(255, 255, 255)


def theme_style(node: Any, role: str, *, on: str | None = None, **attributes: Any) -> Style:
    """The theme's `text-<role>` colour (primary, secondary, accent, success, warning, error) with `attributes`
    (bold=True...); `on`: the theme variable of the background it is drawn on (e.g. "panel"), to keep the
    contrast at MIN_CONTRAST. Without a running app, the attributes alone."""
    try:
        variables = node.app.theme_variables
        color = Color.parse(variables[f"text-{role}"])
        if on is not None:
            color = readable_on(color, Color.parse(variables[on]))
        return Style(color=color.rich_color, **attributes)
    except Exception:
        return Style(**attributes)


def contrast(a: Color, b: Color) -> float:
    """The WCAG 2 contrast ratio of two opaque colours (1 to 21)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _luminance(c: Color) -> float:
    def channel(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def readable_on(fg: Color, bg: Color) -> Color:
    """`fg`, made darker (on a light `bg`) or lighter (on a dark one) step by step until it reads at
    MIN_CONTRAST, its hue kept; black or white if no step gets there."""
    if fg.a < 1:
        fg = bg + fg
    if contrast(fg, bg) >= MIN_CONTRAST:
        return fg
    light_bg = contrast(_BLACK, bg) >= contrast(_WHITE, bg)
    for step in range(1, 11):
        candidate = fg.darken(step * 0.1) if light_bg else fg.lighten(step * 0.1)
        if contrast(candidate, bg) >= MIN_CONTRAST:
            return candidate
    return _BLACK if light_bg else _WHITE
