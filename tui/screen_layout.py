"""The main screen's layout: where each pane goes, a way to reach each one, and the keys that change the layout.

Three columns: the call stack, loaded sources and breakpoints on the left; the source view, the agent pane (with
--agent DIR) and the program's output in the middle; variables, watches and the reload log on the right. A
splitter between two columns drags a sidebar; `[` and `]` narrow or widen both; `z` zooms the focused pane;
`O` shows the output full-screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from .fitting_footer import FittingFooter
from .panes.breakpoints import BreakpointsPane
from .panes.output import OutputPane
from .panes.reload_log import ReloadLogPane
from .panes.source_view import SourceView
from .panes.sources import SourcesPane
from .panes.stack import StackPane
from .panes.variables import VariablesPane
from .panes.watches import WatchesPane
from .splitter import Splitter

if TYPE_CHECKING:
    from dapper_tui.engine.session import DebugSession

    from .app import DebuggerApp

W = TypeVar("W", bound=Widget)


class Pane(Generic[W]):
    """A screen attribute that is the screen's one pane of a type: `stack = Pane(StackPane)`."""

    def __init__(self, kind: type[W]) -> None:
        self.kind = kind

    def __get__(self, screen: Screen[Any], owner: type | None = None) -> W:
        return screen.query_one(self.kind)


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; padding: 0 1; background: $panel; }
    """


class ScreenLayout(Screen[None]):
    """The panes and their places; `DebuggerScreen` adds what they show and the debugger's keys."""

    dapp: DebuggerApp
    session: DebugSession

    stack = Pane(StackPane)
    sources = Pane(SourcesPane)
    breakpoints = Pane(BreakpointsPane)
    source = Pane(SourceView)
    output = Pane(OutputPane)
    variables = Pane(VariablesPane)
    watches = Pane(WatchesPane)
    reload_log = Pane(ReloadLogPane)

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield StackPane(id="stack")
                yield SourcesPane(id="sources")
                yield BreakpointsPane(id="breakpoints")
            yield Splitter("#left", "left", id="split-left")
            with Vertical(id="center"):
                yield SourceView(id="source")
                if self.dapp.agent_dir:
                    from .agent.pane import AgentPane

                    yield AgentPane(self.dapp.agent_dir, coordinator=self.dapp.coordinator)
                yield OutputPane(id="output")
            yield Splitter("#right", "right", id="split-right")
            with Vertical(id="right"):
                yield VariablesPane(id="variables")
                yield WatchesPane(id="watches")
                yield ReloadLogPane(id="reload-log", clock=self.dapp.reload_clock)
        yield FittingFooter()

    @property
    def agent(self) -> Any:
        """The agent pane, when the app runs with --agent DIR."""
        found = self.query("#agent")
        return found.first() if found else None

    # -- sidebars ----------------------------------------------------------------------------------------
    SIDEBAR_STEP = 4  # cells a `[` or `]` takes from or gives to each sidebar
    SIDEBAR_MIN = 12

    def set_sidebar_width(self, selector: str, width: int) -> None:
        """Give the sidebar `selector` (#left or #right) `width` cells; the source keeps at least 30."""
        sidebar = self.query_one(selector)
        other = self.query_one("#right" if selector == "#left" else "#left")
        room = self.size.width - other.outer_size.width - 2 - 30
        width = max(self.SIDEBAR_MIN, min(width, room))
        sidebar.styles.min_width = self.SIDEBAR_MIN
        sidebar.styles.width = width

    def _resize_sidebars(self, delta: int) -> None:
        for selector in ("#left", "#right"):
            self.set_sidebar_width(selector, self.query_one(selector).outer_size.width + delta)

    def action_narrow_sidebars(self) -> None:
        self._resize_sidebars(-self.SIDEBAR_STEP)

    def action_widen_sidebars(self) -> None:
        self._resize_sidebars(self.SIDEBAR_STEP)

    # -- zoom ---------------------------------------------------------------------------------------------
    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

    def action_toggle_output(self) -> None:
        self.output.toggle_full_screen()
