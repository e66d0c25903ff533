"""The debugger's main screen: every pane, the debugger keys, and the glue between them and the session.

The screen is made of one part a concept: `ScreenLayout` (screen_layout.py) places the panes and resizes them,
`StopView` (stop_view.py) shows the stopped program, `RunControl` (run_control.py) runs, steps and ends it. It
owns one helper a concept as well: `EngineEventView` shows engine events, `BreakpointEditor` edits breakpoints,
`Evaluation` runs watches and `e` in the stopped frame, `ReloadCommands` asks for reloads and frame restarts.
Pane messages and keys arrive here and are handed to them.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.binding import Binding

from .breakpoint_edit import BreakpointEditor
from .engine_events import RUNNING_VIEW_DELAY, EngineEventView
from .evaluation import Evaluation
from .keys import KEYS
from .reload_commands import ReloadCommands
from .run_control import RunControl
from .screen_layout import StatusLine
from .stop_view import StopView
from .theme_styles import theme_style

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from .app import DebuggerApp
    from .panes.breakpoints import BreakpointsPane
    from .panes.reload_log import ReloadLogPane
    from .panes.source_view import SourceView
    from .panes.variables import VariablesPane
    from .panes.watches import WatchesPane
    from .screens.confirm import ConfirmScreen


def _write_first_paint_time(probe: str) -> None:
    """The time of the first paint, for the start-up benchmark (DAPPER_TUI_FIRST_PAINT_FILE)."""
    with open(probe, "w") as f:
        f.write(repr(time.time()))


class DebuggerScreen(RunControl, StopView):
    """The main screen: every pane, the debugger keys, and the glue between them and the session."""

    DEFAULT_CSS = """
    DebuggerScreen #body { height: 1fr; }
    DebuggerScreen #left { width: 20%; min-width: 16; }
    DebuggerScreen #center { width: 1fr; min-width: 30; }
    DebuggerScreen #right { width: 26%; min-width: 18; }
    DebuggerScreen StackPane { height: 2fr; }
    DebuggerScreen SourcesPane { height: 1fr; }
    DebuggerScreen BreakpointsPane { height: 1fr; }
    DebuggerScreen SourceView { height: 2fr; }
    DebuggerScreen AgentPane { height: 2fr; }
    DebuggerScreen OutputPane { height: 1fr; }
    DebuggerScreen VariablesPane { height: 2fr; }
    DebuggerScreen WatchesPane { height: 1fr; }
    DebuggerScreen ReloadLogPane { height: 1fr; }
    """

    ALLOW_IN_MAXIMIZED_VIEW = "Footer, StatusLine"

    BINDINGS = [
        Binding(k.keys, k.action, k.description, show=k.show, key_display=k.footer or k.display)
        for k in KEYS
        if k.pane is None  # a pane's own keys are bound in that pane
    ]

    def __init__(self, app: DebuggerApp) -> None:
        super().__init__()
        self.dapp = app
        self.session = app.session
        self.show_library = not app.just_my_code
        self.stop_gen = 0
        self.quiet_exits = 0
        self.quit_question: ConfirmScreen | None = None
        self.events = EngineEventView(self)
        self.bp_editor = BreakpointEditor(self)
        self.reloads = ReloadCommands(self)
        self.evaluation = Evaluation(self)

    def _focus_within(self, widget: object) -> bool:
        node: DOMNode | None = self.dapp.focused
        while node is not None:
            if node is widget:
                return True
            node = node.parent
        return False

    # -- start --------------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.variables.session = self.session
        self.watches.session = self.session
        self.watches.set_expressions(self.dapp.initial_watches)
        target = self.dapp.target
        if target.program and os.path.isfile(target.program):
            self.source.show_file(target.program, title=self.display_path(target.program))
            self.source.focus()
        self.bp_editor.refresh()
        self.set_status("starting", "")
        probe = os.environ.get("DAPPER_TUI_FIRST_PAINT_FILE")
        if probe:
            self.call_after_refresh(_write_first_paint_time, probe)
        # the program starts once the screen is painted: the first paint never waits for the program's stop
        self.call_after_refresh(self.dapp.launch)

    # -- status -------------------------------------------------------------------------------------------
    def set_status(self, state: str, detail: str, style: str = "") -> None:
        roles = {"running": "success", "stopped": "warning", "exited": "accent"}
        text = Text()
        text.append(f" {self.dapp.target.title} ", style="bold reverse")
        role = roles.get(state)
        text.append(
            f"  {state}",
            style=theme_style(self, role, on="panel", bold=True) if role else Style(bold=True, dim=True),
        )
        if detail:
            text.append(f"  {detail}", style=style)
        if text == self._status:  # every step stops with the same status: nothing to draw again
            return
        self._status = text
        self.query_one(StatusLine).update(text, layout=False)  # one docked line: its size never changes
        self.state_text = text.plain

    state_text = ""
    _status: Text | None = None

    def show_running(self) -> None:
        """The status while the program runs (from its start, not only after a stop). A step stops again
        within milliseconds: the status says "running" once the program has run for RUNNING_VIEW_DELAY without
        stopping (when the stale stop view is cleared too), so a step draws the status line once at most."""
        gen = self.stop_gen
        self.set_timer(RUNNING_VIEW_DELAY, lambda: self._show_running(gen))

    def _show_running(self, gen: int) -> None:
        if self.stop_gen == gen and self.session.state == "running":  # not stopped (or ended) meanwhile
            self.set_status("running", "F6 / p / Ctrl+C pauses")

    # -- breakpoints (the editor does the work) ----------------------------------------------------------
    def on_source_view_gutter_clicked(self, event: SourceView.GutterClicked) -> None:
        self.bp_editor.toggle(event.path, event.line)

    def on_source_view_edit_requested(self, event: SourceView.EditRequested) -> None:
        from .editor import open_in_editor

        open_in_editor(self.dapp, event.path, event.line)

    def on_breakpoints_pane_show(self, event: BreakpointsPane.Show) -> None:
        self.bp_editor.show(event.bp)

    def on_breakpoints_pane_remove(self, event: BreakpointsPane.Remove) -> None:
        self.bp_editor.remove(event.bp)

    def on_breakpoints_pane_edit(self, event: BreakpointsPane.Edit) -> None:
        self.bp_editor.edit_condition(event.bp.path, event.bp.line)

    def action_toggle_breakpoint(self) -> None:
        self.bp_editor.toggle_at_cursor()

    def action_edit_condition(self) -> None:
        self.bp_editor.edit_at_cursor()

    def action_add_function_breakpoint(self) -> None:
        self.bp_editor.add_function_breakpoint()

    # -- variables and watches (evaluation does the work) -------------------------------------------------
    def on_variables_pane_view_value_requested(self, event: VariablesPane.ViewValueRequested) -> None:
        self.evaluation.view_value(event.var)

    def on_variables_pane_set_value_requested(self, event: VariablesPane.SetValueRequested) -> None:
        self.evaluation.set_value(event.parent_ref, event.name, event.current)

    def on_watches_pane_changed(self, event: WatchesPane.Changed) -> None:
        self.dapp.remember()
        self.evaluation.watches()

    def action_evaluate(self) -> None:
        self.evaluation.ask_and_evaluate()

    def action_add_watch(self) -> None:
        self.evaluation.add_watch()

    # -- hot reload and restart frame (the commands do the work) ----------------------------------------
    def on_reload_log_pane_restart_requested(self, event: ReloadLogPane.RestartRequested) -> None:
        self.reloads.restart_logged_frame(event.frame)

    def action_hot_reload(self) -> None:
        agent = self.agent
        if agent is not None and self._focus_within(agent):
            self.dapp.notify("replacing the agent's capsule…")
            self.run_worker(agent.force_reload(), group="agent-reload")
            return
        if self.source.path is None:
            self.dapp.notify("no file in the source view", severity="warning")
            return
        self.reloads.request(self.source.path)

    def action_restart_frame(self) -> None:
        frame = self.stack.selected_frame
        if frame is None:
            self.dapp.notify("select a frame in the call stack first", severity="warning")
            return
        self.reloads.restart_frame(frame)

    # -- moving around ------------------------------------------------------------------------------------
    def action_search_source(self) -> None:
        """`/` from any pane: search in the source view (which takes the focus, for n and N)."""
        self.source.focus()
        self.source.action_search()

    def action_frame_up(self) -> None:
        self.stack.move_selection(+1)

    def action_frame_down(self) -> None:
        self.stack.move_selection(-1)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.dapp.push_screen(HelpScreen())
