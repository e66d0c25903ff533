"""The footer, fitted to the terminal's width: the keys that do not fit are left out, least needed first, and
`? Help` and `q Quit` are always there (Textual's footer cuts the row at the right edge, which loses them first,
and leaves a stray letter of the cut key after the command palette's).

What is left out is still in the help screen (`?`) and the command palette.
"""

from __future__ import annotations

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


class FittingFooter(Footer):
    """A compact footer that shows the keys that fit its width (see DROP_ORDER)."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0

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

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
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
        self.styles.grid_size_columns = len(keys)
        for binding, enabled, tooltip, _pane in keys:
            yield FooterKey(
                binding.key,
                displays[id(binding)],
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if palette:
            try:
                _node, binding, enabled, tooltip = self.screen.active_bindings[
                    self.app.COMMAND_PALETTE_BINDING
                ]
            except KeyError:
                return
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            if self._bindings_ready:
                self.call_after_refresh(self.recompose)
