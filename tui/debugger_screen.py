"""The debugger's main screen: every pane, the debugger keys, and the glue between them and the session.

The screen owns one helper a concept: `EngineEventView` shows engine events, `BreakpointEditor` edits
breakpoints, `Evaluation` runs watches and `e` in the stopped frame, `ReloadCommands` asks for reloads and frame
restarts. Pane messages and keys arrive here and are handed to them.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from .breakpoint_edit import BreakpointEditor
from .engine_events import EngineEventView, Launched
from .evaluation import Evaluation
from .fitting_footer import FittingFooter
from .keys import KEYS
from .panes.breakpoints import BreakpointsPane
from .panes.output import OutputPane
from .panes.reload_log import ReloadLogPane
from .panes.source_view import SourceView
from .panes.sources import SourcesPane
from .panes.stack import StackPane
from .panes.variables import VariablesPane
from .panes.watches import WatchesPane
from .reload_commands import ReloadCommands
from .splitter import Splitter
from .theme_styles import theme_style

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from .app import DebuggerApp
    from .screens.confirm import ConfirmScreen


def _write_first_paint_time(probe: str) -> None:
    """The time of the first paint, for the start-up benchmark (DAPPER_TUI_FIRST_PAINT_FILE)."""
    with open(probe, "w") as f:
        f.write(repr(time.time()))


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; padding: 0 1; background: $panel; }
    """


class DebuggerScreen(Screen[None]):
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
        self.quit_question: ConfirmScreen | None = None  # the last "Quit dapper-tui?" asked
        self.events = EngineEventView(self)
        self.bp_editor = BreakpointEditor(self)
        self.reloads = ReloadCommands(self)
        self.evaluation = Evaluation(self)

    # -- layout -------------------------------------------------------------------------------------------
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
    def stack(self) -> StackPane:
        return self.query_one(StackPane)

    @property
    def sources(self) -> SourcesPane:
        return self.query_one(SourcesPane)

    @property
    def source(self) -> SourceView:
        return self.query_one(SourceView)

    @property
    def variables(self) -> VariablesPane:
        return self.query_one(VariablesPane)

    @property
    def watches(self) -> WatchesPane:
        return self.query_one(WatchesPane)

    @property
    def breakpoints(self) -> BreakpointsPane:
        return self.query_one(BreakpointsPane)

    @property
    def output(self) -> OutputPane:
        return self.query_one(OutputPane)

    @property
    def reload_log(self) -> ReloadLogPane:
        return self.query_one(ReloadLogPane)

    @property
    def agent(self) -> Any:
        """The agent pane, when the app runs with --agent DIR."""
        found = self.query("#agent")
        return found.first() if found else None

    def _focus_within(self, widget: Any) -> bool:
        node: DOMNode | None = self.dapp.focused
        while node is not None:
            if node is widget:
                return True
            node = node.parent
        return False

    def display_path(self, path: str | None) -> str:
        return self.dapp.display_path(path)

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
        self.query_one(StatusLine).update(text, layout=False)  # one docked line: its size never changes
        self.state_text = text.plain

    state_text = ""

    def show_running(self) -> None:
        """The status while the program runs (from its start, not only after a stop)."""
        if self.session.state == "running":
            self.set_status("running", "F6 / p / Ctrl+C pauses")

    # -- the stopped view ---------------------------------------------------------------------------------
    def refresh_stop_view(self, keep_frame: bool = False) -> None:
        s = self.session
        if s.state != "stopped":
            return
        selected = self.stack.selected_frame.id if keep_frame and self.stack.selected_frame else None
        stopped_tid = s.stop_event.thread_id if s.stop_event else None
        jmc = not self.show_library
        threads = []
        for t in s.thread_list():
            frames = s.stack(t.id, just_my_code=jmc) if t.stopped else []
            threads.append((t.id, t.name, frames))
        self.stack.show_stack(threads, stopped_tid, select=selected)
        self.sources.show_sources(self.dapp.loaded_sources(), self.display_path)
        self.bp_editor.refresh()
        frame = self.stack.selected_frame
        # a refresh (after a reload, an evaluation...) leaves the file the user is reading in the view, and
        # for a frame on old code the text it shows (the old one, or the new file just reloaded)
        move = not keep_frame or frame is None or self.source.path == frame.path
        self.show_frame(frame, move_source=move, old_text=not keep_frame or self.source.old_code)

    def show_frame(self, frame: Any, *, move_source: bool = True, old_text: bool = True) -> None:
        if frame is None:
            self.variables.show_frame(None)
            self.watches.show_values({})
            return
        if move_source and frame.path and not frame.path.startswith("<"):
            self._show_frame_source(frame, old_text)
        self.variables.show_frame(frame.id, module_level=frame.name == "<module>")
        self.evaluation.watches(frame.id)

    def _show_frame_source(self, frame: Any, old_text: bool) -> None:
        """The frame's file with the frame's line marked. A frame still running code that a reload replaced
        is at a line of the text that code was compiled from: that text is shown, with the arrow on its line;
        or (`old_text` off, or that text was not kept) the new file, with no arrow: none of its lines is the
        frame's."""
        title = self.display_path(frame.path)
        text = self._old_source(frame) if frame.old_code and old_text else None
        if text:
            self.source.show_file(frame.path, current_line=frame.line, title=title, text=text, old_code=True)
        elif frame.old_code:
            self.source.show_file(frame.path, current_line=None, title=title, note=self._old_code_note(frame))
        else:
            self.source.show_file(frame.path, current_line=frame.line, title=title)
        self.bp_editor.refresh_markers()

    def _old_source(self, frame: Any) -> str | None:
        """The text the old code of this frame was compiled from (None: not kept, or the frame is gone)."""
        try:
            return self.session.editor.old_source(self.session.frame(frame.id).f_code)
        except KeyError:
            return None

    @staticmethod
    def _old_code_note(frame: Any) -> str:
        return f"{frame.name} runs old code at line {frame.line} of its old text (o shows it)"

    def on_stack_pane_frame_selected(self, event: StackPane.FrameSelected) -> None:
        self.show_frame(event.frame)

    def on_sources_pane_source_selected(self, event: SourcesPane.SourceSelected) -> None:
        current, note = None, ""
        frame = self.stack.selected_frame
        if frame is not None and frame.path == event.path:
            if frame.old_code:  # its line is one of the old text, not of this file
                note = self._old_code_note(frame)
            else:
                current = frame.line
        title = self.display_path(event.path)
        self.source.show_file(event.path, current_line=current, title=title, note=note)
        self.bp_editor.refresh_markers()
        self.source.focus()

    def from_thread(self, fn: Any, *args: Any) -> None:
        """Call `fn(*args)` on the app's loop, from a worker thread (nothing, once the app is closing)."""
        try:
            self.dapp.call_from_thread(fn, *args)
        except RuntimeError:
            pass

    # -- breakpoints (the editor does the work) ----------------------------------------------------------
    def on_source_view_gutter_clicked(self, event: SourceView.GutterClicked) -> None:
        self.bp_editor.toggle(event.path, event.line)

    def on_source_view_run_to_line(self, event: SourceView.RunToLine) -> None:
        if self.session.state != "stopped":
            self.dapp.notify("the program is not stopped", severity="warning")
            return
        self.session.run_to_line(event.path, event.line)

    def on_source_view_jump_to_line(self, event: SourceView.JumpToLine) -> None:
        """Set next statement: the stopped frame goes on from the cursor line (CPython's rules, engine/goto.py)."""
        if self.session.state != "stopped":
            self.dapp.notify("jump needs a stopped program", severity="warning")
            return
        frame = self.stack.selected_frame
        innermost = self.session.stack(frame.thread_id, just_my_code=False) if frame is not None else []
        if frame is None or not innermost or innermost[0].id != frame.id:
            self.dapp.notify(
                "only the innermost frame can jump: select it in the call stack",
                title="jump",
                severity="error",
            )
            return
        if os.path.realpath(frame.path) != os.path.realpath(event.path):
            self.dapp.notify(
                f"line {event.line} is in another file than the stopped frame", title="jump", severity="error"
            )
            return
        self._jump(event.line, frame.thread_id)

    @work(thread=True, exclusive=True, group="jump")
    def _jump(self, line: int, thread_id: int) -> None:
        try:
            self.session.goto(line, thread_id)
        except (ValueError, RuntimeError) as exc:
            text = str(exc)
            self.from_thread(
                lambda: self.dapp.notify(
                    text, title="jump refused", severity="error", timeout=8, markup=False
                )
            )

    def on_source_view_edit_requested(self, event: SourceView.EditRequested) -> None:
        from .editor import open_in_editor

        open_in_editor(self.dapp, event.path, event.line)

    def on_breakpoints_pane_show(self, event: BreakpointsPane.Show) -> None:
        self.bp_editor.show(event.bp)

    def on_breakpoints_pane_remove(self, event: BreakpointsPane.Remove) -> None:
        self.bp_editor.remove(event.bp)

    def on_breakpoints_pane_edit(self, event: BreakpointsPane.Edit) -> None:
        self.bp_editor.edit_condition(event.bp.path, event.bp.line)

    # -- variables and watches (evaluation does the work) -------------------------------------------------
    def on_variables_pane_view_value_requested(self, event: VariablesPane.ViewValueRequested) -> None:
        self.evaluation.view_value(event.var)

    def on_variables_pane_set_value_requested(self, event: VariablesPane.SetValueRequested) -> None:
        self.evaluation.set_value(event.parent_ref, event.name, event.current)

    def on_watches_pane_changed(self, event: WatchesPane.Changed) -> None:
        self.dapp.remember()
        self.evaluation.watches()

    # -- hot reload and restart frame (the commands do the work) ----------------------------------------
    def on_reload_log_pane_restart_requested(self, event: ReloadLogPane.RestartRequested) -> None:
        self.reloads.restart_logged_frame(event.frame)

    # -- actions (the key table) --------------------------------------------------------------------------
    def _command(self, name: str) -> None:
        if self.session.state != "stopped":
            self.dapp.notify(f"the program is {self.session.state}, not stopped", severity="warning")
            return
        try:
            getattr(self.session, name)()
        except RuntimeError as exc:
            self.dapp.notify(str(exc), severity="warning")

    def action_continue(self) -> None:
        self._command("continue_")

    def action_step_over(self) -> None:
        self._command("step_over")

    def action_step_in(self) -> None:
        self._command("step_in")

    def action_step_out(self) -> None:
        self._command("step_out")

    def action_pause(self) -> None:
        if self.session.state == "running":
            self.session.pause()
        else:
            self.dapp.notify(f"the program is {self.session.state}", severity="warning")

    def action_interrupt(self) -> None:
        """Ctrl+C: pauses the running program, as in a terminal; otherwise copies the selected text, if any."""
        state = self.session.state
        if state == "running":
            self.session.pause()
            return
        selection = self.get_selected_text()
        if selection:
            self.dapp.copy_to_clipboard(selection)
            self.dapp.notify("copied the selected text", timeout=2)
        elif state == "stopped":
            self.dapp.notify("the program is already stopped (F5 continues, q quits)", timeout=3)
        else:
            self.dapp.notify(f"the program is {state} (Ctrl+T restarts, q quits)", timeout=3)

    def action_toggle_breakpoint(self) -> None:
        self.bp_editor.toggle_at_cursor()

    def action_edit_condition(self) -> None:
        self.bp_editor.edit_at_cursor()

    def action_add_function_breakpoint(self) -> None:
        self.bp_editor.add_function_breakpoint()

    def action_open_source(self) -> None:
        from .screens.open_source import OpenSourceScreen

        names = sorted({s.module for s in self.session.loaded_sources(include_library=True)})
        program = self.dapp.target.program
        screen = OpenSourceScreen(names, os.path.dirname(program) if program else None)
        self.dapp.push_screen(screen, self._open_source)

    def _open_source(self, path: str | None) -> None:
        if path:  # as if it were picked in the loaded sources pane
            self.sources.post_message(SourcesPane.SourceSelected(path))

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

    def action_search_source(self) -> None:
        """`/` from any pane: search in the source view (which takes the focus, for n and N)."""
        self.source.focus()
        self.source.action_search()

    def action_evaluate(self) -> None:
        self.evaluation.ask_and_evaluate()

    def action_add_watch(self) -> None:
        self.evaluation.add_watch()

    def action_frame_up(self) -> None:
        self.stack.move_selection(+1)

    def action_frame_down(self) -> None:
        self.stack.move_selection(-1)

    def action_restart_frame(self) -> None:
        frame = self.stack.selected_frame
        if frame is None:
            self.dapp.notify("select a frame in the call stack first", severity="warning")
            return
        self.reloads.restart_frame(frame)

    def action_open_old_code(self) -> None:
        frame = self.stack.selected_frame
        if frame is None or not frame.old_code:
            self.dapp.notify("the selected frame runs current code", severity="information")
            return
        if not self._old_source(frame):
            self.dapp.notify("the old source was not kept", severity="warning")
            return
        self._show_frame_source(frame, old_text=True)

    def action_toggle_library(self) -> None:
        self.show_library = not self.show_library
        self.dapp.notify("library frames shown" if self.show_library else "library frames hidden", timeout=2)
        self.refresh_stop_view(keep_frame=True)

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

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

    def action_toggle_output(self) -> None:
        self.output.toggle_full_screen()

    def action_toggle_raised(self) -> None:
        filters = set(self.session.exception_filters)
        filters ^= {"raised"}
        self.session.set_exception_breakpoints(filters)
        self.dapp.notify("stop on: " + ", ".join(sorted(filters)) + " exceptions", timeout=3)

    @work(thread=True, exclusive=True, group="restart")
    def _restart(self) -> None:
        self.from_thread(self.output.append, "[restarting]\n", "console")
        self.dapp.pending.take()
        self.session.restart(stop_on_entry=self.dapp.stop_on_entry)
        self.dapp.events.post(Launched())

    def action_restart(self) -> None:
        if self.session.state in ("running", "stopped"):
            self.quiet_exits += 1  # the program is ended to restart it: no "exited" dialog for that
        self._restart()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.dapp.push_screen(HelpScreen())

    def action_quit_debugger(self) -> None:
        from .screens.confirm import ConfirmScreen, quit_exit_code, quit_question

        def done(yes: bool | None) -> None:
            if yes:
                self.dapp.exit(quit_exit_code(self.session))

        self.quit_question = ConfirmScreen(quit_question(self.session, self.dapp.display_path))
        self.dapp.push_screen(self.quit_question, done)
