"""The footer, fitted to the terminal's width: the keys that do not fit are left out, least needed first, and
`? Help` and `q Quit` are always there (Textual's footer cuts the row at the right edge, which loses them first,
and leaves a stray letter of the cut key after the command palette's).

What is left out is still in the help screen (`?`) and the command palette.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Left out first to last while the footer is too wide. Actions not named here (Help, Quit, the steps, Continue)
# always stay; a pane's own keys (restart frame, scope filter) go after the ones named here.
DROP_ORDER: tuple[str, ...] = (
    "narrow_sidebars",
    "<palette>",
    "hot_reload",
    "evaluate",
    "<pane>",
    "step_out",
    "toggle_breakpoint",
)
_PALETTE_WIDTH = 12  # "▏^p palette "


class _Key(NamedTuple):
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str
    palette: bool = False  # the command palette's key, drawn apart


class FittingFooter(Footer):
    """A compact footer that shows the keys that fit its width (see DROP_ORDER).

    Textual's footer removes and mounts all its keys whenever the bindings may have changed (focus moves, every
    stop and continue), and styling ~15 new widgets was the largest cost of showing a stop; here the keys are
    mounted again only when what they show changed.
    """

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0
        self._shown: list[_Key] | None = None  # what compose last mounted
        self._planned: list[_Key] | None = None  # planned by recompose() for the compose() it runs

    def _keys(self) -> list[tuple[Binding, bool, str, bool]]:
        """(binding, enabled, tooltip, the focused pane's own key) of each key to show, one per action."""
        seen: set[str] = set()
        out = []
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            pane = node is not self.screen and node is not self.app
            out.append((binding, enabled, tooltip, pane))
        return out

    @staticmethod
    def _key_width(binding: Binding, key_display: str) -> int:
        return cell_len(key_display) + 1 + cell_len(binding.description) + 1  # a space between two keys

    def _plan(self) -> list[_Key]:
        """The keys that fit the width, in order (the palette's last)."""
        width = self.app.size.width
        keys = self._keys()
        displays = {id(b): self.app.get_key_display(b) for b, *_ in keys}
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        for name in DROP_ORDER:
            used = sum(self._key_width(b, displays[id(b)]) for b, *_ in keys) + (
                _PALETTE_WIDTH if palette else 0
            )
            if used <= width:
                break
            if name == "<palette>":
                palette = False
            elif name == "<pane>":
                keys = [k for k in keys if not k[3]]
            else:
                keys = [k for k in keys if k[0].action != name]
        plan = [
            _Key(b.key, displays[id(b)], b.description, b.action, enabled, tooltip)
            for b, enabled, tooltip, _pane in keys
        ]
        if palette:
            try:
                _node, b, enabled, _tooltip = self.screen.active_bindings[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return plan
            display = self.app.get_key_display(b)
            plan.append(
                _Key(b.key, display, b.description, b.action, enabled, b.tooltip or b.description, True)
            )
        return plan

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        plan, self._planned = self._planned or self._plan(), None
        self._shown = plan
        self.styles.grid_size_columns = len([k for k in plan if not k.palette])
        for k in plan:
            widget = FooterKey(
                k.key,
                k.display,
                k.description,
                k.action,
                classes="-command-palette" if k.palette else "",
                disabled=not k.enabled,
                tooltip=k.tooltip,
            )
            yield widget if k.palette else widget.data_bind(compact=Footer.compact)

    async def recompose(self) -> None:
        if self._bindings_ready:
            plan = self._plan()
            if plan == self._shown:
                return  # the same keys, in the same state: nothing to mount again
            self._planned = plan  # compose() uses it instead of planning again
        await super().recompose()

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            if self._bindings_ready:
                self.call_after_refresh(self.recompose)
