"""The Textual app: panes around one DebugSession.

Presentation only. Engine events arrive on debuggee threads and are posted to the app as `EngineEvent`
messages (post_message is thread-safe and never blocks the debuggee); keys and commands become engine calls.
Evaluation runs on the stopped thread, so watches and `e` run in thread workers and never freeze the UI.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from .keys import KEYS, RESTART_FRAME
from .panes.breakpoints import BreakpointsPane
from .panes.output import OutputPane
from .panes.reload_log import ReloadLogPane, kept_frames
from .panes.source_view import Marker, SourceView
from .panes.sources import SourcesPane
from .panes.stack import StackPane
from .panes.variables import VariablesPane
from .panes.watches import WatchesPane


def _record_of(result: Any) -> Any:
    """The ReloadRecord of an engine ReloadResult."""
    from dapper_tui.reload.record import ReloadRecord

    if isinstance(result, ReloadRecord):
        return result
    to_record = getattr(result, "to_record", None)
    if callable(to_record):
        return to_record()
    ok = bool(getattr(result, "ok", False))
    return ReloadRecord(
        scope="debugger",
        outcome="applied" if ok else "failed",
        path=str(getattr(result, "reloadedPath", "") or ""),
        module=getattr(result, "reloadedModule", None),
        message=str(getattr(result, "error", "") or ""),
        hint=getattr(result, "hint", None),
        warnings=list(getattr(result, "warnings", []) or []),
        duration_ms=float(getattr(result, "durationMs", 0.0) or 0.0),
    )


class EngineEvent(Message):
    """An engine event, posted from a debuggee thread."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class ReloadRecordPosted(Message):
    """A record from the reload coordinator (a pending save, or another scope's outcome)."""

    def __init__(self, record: Any) -> None:
        super().__init__()
        self.record = record


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; padding: 0 1; background: $panel; }
    """


class DebuggerScreen(Screen[None]):
    """The main screen: every pane, the debugger keys, and the glue between them and the session."""

    DEFAULT_CSS = """
    DebuggerScreen #body { height: 1fr; }
    DebuggerScreen #left { width: 30%; min-width: 24; }
    DebuggerScreen #center { width: 1fr; }
    DebuggerScreen #right { width: 32%; min-width: 24; }
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
        Binding(k.keys, k.action, k.description, show=k.show, key_display=k.display)
        for k in KEYS
        if k.pane is None  # a pane's own keys are bound in that pane
    ]

    def __init__(self, app: DebuggerApp) -> None:
        super().__init__()
        self.dapp = app
        self.session = app.session
        self.show_library = not app.just_my_code
        self.stop_gen = 0
        self.watch_gen = 0
        self.quiet_exits = 0

    # -- layout -------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield StackPane(id="stack")
                yield SourcesPane(id="sources")
                yield BreakpointsPane(id="breakpoints")
            with Vertical(id="center"):
                yield SourceView(id="source")
                if self.dapp.agent_dir:
                    from .agent.pane import AgentPane

                    yield AgentPane(self.dapp.agent_dir, coordinator=self.dapp.coordinator)
                yield OutputPane(id="output")
            with Vertical(id="right"):
                yield VariablesPane(id="variables")
                yield WatchesPane(id="watches")
                yield ReloadLogPane(id="reload-log", clock=self.dapp.reload_clock)
        yield Footer()

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
        node = self.dapp.focused
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
        self._refresh_breakpoints()
        self.set_status("starting", "")
        probe = os.environ.get("DAPPER_TUI_FIRST_PAINT_FILE")
        if probe:
            self.call_after_refresh(self.dapp._write_probe, probe)
        # the program starts once the screen is painted: the first paint never waits for the program's stop
        self.call_after_refresh(self.dapp.launch)

    # -- status -------------------------------------------------------------------------------------------
    def set_status(self, state: str, detail: str, style: str = "") -> None:
        colors = {"running": "green", "stopped": "yellow", "exited": "cyan", "starting": "dim"}
        text = Text()
        text.append(f" {self.dapp.target.title} ", style="bold reverse")
        text.append(f"  {state}", style=f"bold {colors.get(state, '')}")
        if detail:
            text.append(f"  {detail}", style=style)
        self.query_one(StatusLine).update(text)
        self.state_text = text.plain

    state_text = ""

    # -- engine events ------------------------------------------------------------------------------------
    def handle_event(self, ev: Any) -> None:
        name = type(ev).__name__
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            handler(ev)

    def _on_Stopped(self, ev: Any) -> None:
        self.stop_gen += 1
        detail = ev.description or ev.reason
        style = "bold red" if ev.reason == "exception" else ""
        if ev.post_mortem:
            detail = f"post-mortem  {ev.text}"
        self.set_status("stopped", detail, style)
        self.refresh_stop_view()
        for path in self.dapp.pending.take():
            self.request_reload(path)

    def _on_Continued(self, ev: Any) -> None:
        self.stop_gen += 1
        self.set_status("running", "F6 / p pauses")
        self.stack.clear_stack("running")
        self.variables.show_frame(None)
        self.watches.show_values({})
        self.source.show_file(self.source.path, current_line=None)
        self.source.current_line = None

    def _on_Output(self, ev: Any) -> None:
        self.output.append(ev.text, ev.category)

    def _on_InputRequested(self, ev: Any) -> None:
        from .screens.prompt import PromptScreen

        def answered(text: str | None) -> None:  # the prompt and the answer share a line, as in a terminal
            if text is not None:
                self.output.append(text + "\n", "input")
            else:
                self.output.flush_partial()
            self.session.send_input(text)

        self.dapp.push_screen(
            PromptScreen(
                "The program is waiting for input",
                placeholder=ev.prompt.strip() or "input()",
                note=f"prompt: {ev.prompt!r}   Enter sends, Esc sends end-of-file",
            ),
            answered,
        )

    def _on_BreakpointChanged(self, ev: Any) -> None:
        self._refresh_breakpoints()

    def _on_LoadedSource(self, ev: Any) -> None:
        if ev.reason == "new":
            self.dapp.watch_folder_of(ev.path)
        if ev.path == self.source.path and not self.source.old_code:
            self.source.show_file(ev.path, current_line=self.source.current_line, reload=True)
        self.sources.show_sources(self.dapp.loaded_sources(), self.display_path)

    def _on_Exited(self, ev: Any) -> None:
        from .screens.exited import ExitedScreen

        self.stop_gen += 1
        self.output.flush_partial()
        self.set_status("exited", f"exit code {ev.exit_code}" + (f"  {ev.error}" if ev.error else ""))
        self.stack.clear_stack("exited")
        self.variables.show_frame(None)
        self.source.show_file(self.source.path, current_line=None)
        self.source.current_line = None
        self.output.append(f"[program exited with code {ev.exit_code}]\n", "console")
        if self.quiet_exits:
            self.quiet_exits -= 1
            return

        def chosen(choice: str | None) -> None:
            if choice == "restart":
                self.action_restart()
            elif choice == "quit":
                self.dapp.exit(self.session.exit_code or 0)

        self.dapp.push_screen(ExitedScreen(ev.exit_code, ev.error), chosen)

    def _on_Reloaded(self, ev: Any) -> None:
        record = _record_of(ev.result)
        self.reload_log.add_record(record)
        if record.ok:
            note = f"reloaded {record.module or self.display_path(record.path)}"
            kept = kept_frames(record)
            if kept:
                note += (
                    f"; {kept[0].get('name')} keeps its old code"
                    f" ({RESTART_FRAME.display} on the call stack restarts it)"
                )
            self.dapp.notify(note, timeout=6 if kept else 3, markup=False)
            if self.source.path and not self.source.old_code:
                self.source.show_file(self.source.path, current_line=self.source.current_line, reload=True)
            if self.session.state == "stopped":
                self.refresh_stop_view(keep_frame=True)
        else:
            self.dapp.notify(record.message or "reload failed", title="Hot reload failed", severity="error")

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
        self._refresh_breakpoints()
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
        self.evaluate_watches(frame.id)

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
        self._refresh_markers()

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
        self._refresh_markers()
        self.source.focus()

    # -- watches and evaluate -----------------------------------------------------------------------------
    def evaluate_watches(self, frame_id: int | None = None) -> None:
        if frame_id is None:
            frame = self.stack.selected_frame
            frame_id = frame.id if frame is not None else None
        if frame_id is None or not self.watches.expressions:
            self.watches.show_values({})
            return
        self.watch_gen += 1
        self._evaluate_watches(frame_id, list(self.watches.expressions), self.watch_gen)

    @work(thread=True, exclusive=True, group="watches")
    def _evaluate_watches(self, frame_id: int, expressions: list[str], gen: int) -> None:
        values: dict[str, Any] = {}
        for expr in expressions:
            try:
                values[expr] = self.session.evaluate(expr, frame_id)
            except Exception as exc:
                values[expr] = f"{type(exc).__name__}: {exc}"
        self._from_thread(self._show_watch_values, values, gen)

    def _show_watch_values(self, values: dict[str, Any], gen: int) -> None:
        if gen == self.watch_gen and self.session.state == "stopped":
            self.watches.show_values(values)

    def _from_thread(self, fn: Any, *args: Any) -> None:
        try:
            self.dapp.call_from_thread(fn, *args)
        except RuntimeError:  # the app is closing
            pass

    @work(thread=True, group="evaluate")
    def _evaluate(self, expression: str, frame_id: int | None) -> None:
        try:
            var = self.session.evaluate(expression, frame_id)
            result = var.value if var.type != "statement" else "(statement ran)"
            text = f"» {expression}\n{result}\n"
            error = False
        except Exception as exc:
            text = f"» {expression}\n{type(exc).__name__}: {exc}\n"
            error = True

        def show() -> None:
            self.output.append(text, "stderr" if error else "console")
            self.dapp.notify(text.strip(), title="evaluate", severity="error" if error else "information")
            self.refresh_stop_view(keep_frame=True)

        self._from_thread(show)

    # -- breakpoints --------------------------------------------------------------------------------------
    def _line_breakpoints(self, path: str) -> list[Any]:
        return [
            bp
            for bp in self.session.breakpoint_list()
            if bp.path == path and not bp.function and not bp.temporary
        ]

    def _refresh_breakpoints(self) -> None:
        self.breakpoints.show_breakpoints(self.session.breakpoint_list(), self.display_path)
        self._refresh_markers()

    def _refresh_markers(self) -> None:
        path = self.source.path
        if path is None or self.source.old_code:
            self.source.set_markers([])
            return
        self.source.set_markers(
            [
                Marker(bp.line, bp.verified, bool(bp.condition or bp.hit_condition or bp.log_message))
                for bp in self._line_breakpoints(path)
                if bp.line
            ]
        )

    def _set_path_breakpoints(self, path: str, specs: list[Any]) -> None:
        self.session.set_breakpoints(path, specs)
        self._refresh_breakpoints()
        self.dapp.remember()

    @staticmethod
    def _spec(bp: Any, **changes: Any) -> Any:
        from dapper_tui.engine.breakpoints import BreakpointSpec

        values = {
            "line": bp.line,
            "condition": bp.condition,
            "hit_condition": bp.hit_condition,
            "log_message": bp.log_message,
        }
        values.update(changes)
        return BreakpointSpec(**values)

    def toggle_breakpoint(self, path: str, line: int) -> None:
        from dapper_tui.engine.breakpoints import BreakpointSpec

        existing = self._line_breakpoints(path)
        hit = [bp for bp in existing if line in (bp.line, bp.requested_line)]
        if hit:
            specs = [self._spec(bp) for bp in existing if bp not in hit]
        else:
            specs = [self._spec(bp) for bp in existing] + [BreakpointSpec(line)]
        self._set_path_breakpoints(path, specs)

    def on_source_view_gutter_clicked(self, event: SourceView.GutterClicked) -> None:
        self.toggle_breakpoint(event.path, event.line)

    def on_source_view_run_to_line(self, event: SourceView.RunToLine) -> None:
        if self.session.state != "stopped":
            self.dapp.notify("the program is not stopped", severity="warning")
            return
        self.session.run_to_line(event.path, event.line)

    def on_breakpoints_pane_show(self, event: BreakpointsPane.Show) -> None:
        bp = event.bp
        if bp.path:
            self.source.show_file(bp.path, title=self.display_path(bp.path))
            self.source.cursor_line = bp.line or 1
            self.source._center(self.source.cursor_line)
            self._refresh_markers()

    def on_breakpoints_pane_remove(self, event: BreakpointsPane.Remove) -> None:
        bp = event.bp
        if bp.function:
            names = [b.function for b in self.session.breakpoint_list() if b.function and b is not bp]
            self.session.set_function_breakpoints(names)
            self._refresh_breakpoints()
            self.dapp.remember()
        elif bp.path:
            self._set_path_breakpoints(
                bp.path, [self._spec(b) for b in self._line_breakpoints(bp.path) if b is not bp]
            )

    def on_breakpoints_pane_edit(self, event: BreakpointsPane.Edit) -> None:
        self.edit_condition(event.bp.path, event.bp.line)

    def edit_condition(self, path: str, line: int) -> None:
        from .screens.condition import ConditionScreen

        existing = self._line_breakpoints(path)
        bp = next((b for b in existing if line in (b.line, b.requested_line)), None)

        def done(result: tuple[str | None, str | None, str | None] | None) -> None:
            if result is None:
                return
            from dapper_tui.engine.breakpoints import BreakpointSpec

            condition, hit, log = result
            specs = [self._spec(b) for b in existing if b is not bp]
            specs.append(BreakpointSpec(bp.line if bp else line, condition, hit, log))
            self._set_path_breakpoints(path, specs)

        self.dapp.push_screen(
            ConditionScreen(
                f"{self.display_path(path)}:{line}",
                bp.condition if bp else None,
                bp.hit_condition if bp else None,
                bp.log_message if bp else None,
            ),
            done,
        )

    # -- variables ----------------------------------------------------------------------------------------
    def on_variables_pane_set_value_requested(self, event: VariablesPane.SetValueRequested) -> None:
        from .screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if not text:
                return
            try:
                self.session.set_variable(event.parent_ref, event.name, text)
            except Exception as exc:
                self.dapp.notify(f"{type(exc).__name__}: {exc}", title="set value", severity="error")
                return
            self.refresh_stop_view(keep_frame=True)

        self.dapp.push_screen(
            PromptScreen(f"New value for {event.name} (a Python expression)", value=event.current), done
        )

    def on_watches_pane_changed(self, event: WatchesPane.Changed) -> None:
        self.dapp.remember()
        self.evaluate_watches()

    # -- hot reload ---------------------------------------------------------------------------------------
    def request_reload(self, path: str) -> None:
        from dapper_tui.reload.record import ReloadRecord

        if self.session.state == "running":
            if path not in self.dapp.pending:
                self.dapp.pending.add(path)
                self.reload_log.add_record(
                    ReloadRecord(
                        scope="debugger",
                        outcome="pending",
                        path=path,
                        message="the program is running: reloaded at the next stop",
                    )
                )
            return
        self._reload(path)

    @work(thread=True, group="reload")
    def _reload(self, path: str) -> None:
        try:
            self.session.reload(path, None)  # the result arrives as a Reloaded event
        except Exception as exc:
            from dapper_tui.reload.record import ReloadRecord

            record = ReloadRecord(
                scope="debugger", outcome="failed", path=path, message=f"{type(exc).__name__}: {exc}"
            )
            self._from_thread(self.reload_log.add_record, record)

    # -- restart frame ------------------------------------------------------------------------------------
    def restart_frame(self, frame: Any) -> None:
        """Run `frame`'s function again from its first line; a refusal is a notification with the reason."""
        if self.session.state != "stopped":
            self.dapp.notify(f"the program is {self.session.state}, not stopped", severity="warning")
            return
        self._restart_frame(frame.id, frame.name)

    @work(thread=True, exclusive=True, group="restart-frame")
    def _restart_frame(self, frame_id: int, name: str) -> None:
        refused = True
        try:
            line = self.session.restart_frame(frame_id)  # the stop arrives as a Stopped("restart") event
        except KeyError:
            text = f"{name} is gone: the program moved on"
        except (ValueError, RuntimeError) as exc:
            text = str(exc)
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"
        else:
            text, refused = f"{name} restarted at line {line}", False

        def show() -> None:
            severity = "warning" if refused else "information"
            self.dapp.notify(text, title="Restart frame", severity=severity, markup=False)

        self._from_thread(show)

    def on_reload_log_pane_restart_requested(self, event: ReloadLogPane.RestartRequested) -> None:
        wanted = event.frame  # by name and line: a frame kept may be in another file than the one reloaded
        for frame in self.stack.frames():
            if frame.old_code and frame.name == wanted.get("name") and frame.line == wanted.get("line"):
                self.restart_frame(frame)  # its stop selects it (selecting it here could land after that)
                return
        self.dapp.notify(
            f"{wanted.get('name')} (line {wanted.get('line')}) is no longer on the call stack with its old code",
            title="Restart frame",
            severity="warning",
            markup=False,
        )

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

    def action_toggle_breakpoint(self) -> None:
        if self.source.path is None or self.source.old_code:
            self.dapp.notify("open a file first (Loaded sources)", severity="warning")
            return
        self.toggle_breakpoint(self.source.path, self.source.cursor_line)

    def action_edit_condition(self) -> None:
        if self.source.path is not None and not self.source.old_code:
            self.edit_condition(self.source.path, self.source.cursor_line)

    def action_add_function_breakpoint(self) -> None:
        from .screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            name = (text or "").strip()
            if not name:
                return
            names = [b.function for b in self.session.breakpoint_list() if b.function]
            if name not in names:
                self.session.set_function_breakpoints([*names, name])
            self._refresh_breakpoints()
            self.dapp.remember()

        self.dapp.push_screen(
            PromptScreen("Function breakpoint", placeholder="checkout, Cart.total or shop.pricing.discount"),
            done,
        )

    def action_hot_reload(self) -> None:
        agent = self.agent
        if agent is not None and self._focus_within(agent):
            self.dapp.notify("replacing the agent's capsule…")
            self.run_worker(agent.force_reload(), group="agent-reload")
            return
        if self.source.path is None:
            self.dapp.notify("no file in the source view", severity="warning")
            return
        self.request_reload(self.source.path)

    def action_evaluate(self) -> None:
        from .screens.prompt import PromptScreen

        if self.session.state != "stopped":
            self.dapp.notify("evaluate needs a stopped program", severity="warning")
            return
        frame = self.stack.selected_frame
        where = frame.name if frame is not None else "the top frame"

        def done(text: str | None) -> None:
            if text:
                self._evaluate(text, frame.id if frame is not None else None)

        self.dapp.push_screen(
            PromptScreen(f"Evaluate in {where}", placeholder="expression or statement"), done
        )

    def action_add_watch(self) -> None:
        from .screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text and text.strip():
                self.watches.add_expression(text.strip())

        self.dapp.push_screen(PromptScreen("Watch expression", placeholder="e.g. len(cart.items)"), done)

    def action_frame_up(self) -> None:
        self.stack.move_selection(+1)

    def action_frame_down(self) -> None:
        self.stack.move_selection(-1)

    def action_restart_frame(self) -> None:
        frame = self.stack.selected_frame
        if frame is None:
            self.dapp.notify("select a frame in the call stack first", severity="warning")
            return
        self.restart_frame(frame)

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

    def action_toggle_raised(self) -> None:
        filters = set(self.session.exception_filters)
        filters ^= {"raised"}
        self.session.set_exception_breakpoints(filters)
        self.dapp.notify("stop on: " + ", ".join(sorted(filters)) + " exceptions", timeout=3)

    @work(thread=True, exclusive=True, group="restart")
    def _restart(self) -> None:
        self._from_thread(self.output.append, "[restarting]\n", "console")
        self.dapp.pending.take()
        self.session.restart(stop_on_entry=self.dapp.stop_on_entry)

    def action_restart(self) -> None:
        if self.session.state in ("running", "stopped"):
            self.quiet_exits += 1  # the program is ended to restart it: no "exited" dialog for that
        self._restart()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.dapp.push_screen(HelpScreen())

    def action_quit_debugger(self) -> None:
        from .screens.confirm import ConfirmScreen

        def done(yes: bool | None) -> None:
            if yes:
                self.dapp.exit(self.session.exit_code or 0)

        question = "Quit dapper-tui?"
        if self.session.state in ("running", "stopped"):
            question = "Quit dapper-tui? The program is still running and will be ended."
        self.dapp.push_screen(ConfirmScreen(question), done)


class DebuggerApp(App[int]):
    """dapper-tui's full-screen debugger for one LaunchTarget."""

    TITLE = "dapper-tui"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {lambda: _prompts_provider()}

    def __init__(
        self,
        target: Any,
        *,
        stop_on_entry: bool = False,
        just_my_code: bool = True,
        agent_dir: str | None = None,
        persist: bool = True,
        auto_reload: bool = True,
        reload_clock: Any = None,
    ) -> None:
        super().__init__()
        from dapper_tui.engine.session import DebugSession

        from .autoreload import PendingSaves

        self.target = target
        self.stop_on_entry = stop_on_entry
        self.just_my_code = just_my_code
        self.agent_dir = agent_dir
        self.auto_reload = auto_reload
        self.reload_clock = reload_clock
        self.pending = PendingSaves()
        self.session = DebugSession(self._post_event, just_my_code=just_my_code)
        self.main: DebuggerScreen | None = None
        self.project: Any = None
        self.initial_watches: list[str] = []
        # The one reload coordinator: the debugger's scope and the agent's (with --agent) both report into it,
        # and everything it records goes to the one reload log.
        from dapper_tui.reload.coordinator import ReloadCoordinator

        self.coordinator = ReloadCoordinator()
        self._watch_scope: Any = None  # the debugger's scope on the coordinator, once watching
        self._unsubscribe: Any = self.coordinator.subscribe(
            lambda record: self.post_message(ReloadRecordPosted(record))
        )
        self._preloaded: set[str] = set()
        self._events: list[Any] = []
        self._events_lock = threading.Lock()
        self._drain_posted = False
        self._base = os.path.dirname(target.program) if target.program else os.getcwd()
        if persist:
            from dapper_tui.engine.persist import ProjectState

            self.project = ProjectState.load(target.program or os.getcwd())
            self.project.follow(self.session)  # a reload that moves breakpoints saves them at once
            self.initial_watches = list(self.project.watches)

    # -- wiring -------------------------------------------------------------------------------------------
    def _post_event(self, event: Any) -> None:  # debuggee threads
        """Queue the event; one message drains the queue in order (a print loop is one update, not 10,000)."""
        with self._events_lock:
            self._events.append(event)
            if self._drain_posted:
                return
            self._drain_posted = True
        if not self.post_message(EngineEvent(None)):
            with self._events_lock:
                self._drain_posted = False

    def _drain_events(self) -> list[Any]:
        with self._events_lock:
            events, self._events = self._events, []
            self._drain_posted = False
        merged: list[Any] = []
        for ev in events:  # consecutive output of one stream becomes one write
            prev = merged[-1] if merged else None
            if (
                type(ev).__name__ == "Output"
                and type(prev).__name__ == "Output"
                and prev.category == ev.category
            ):
                merged[-1] = type(ev)(ev.category, prev.text + ev.text)
            else:
                merged.append(ev)
        return merged

    def get_default_screen(self) -> Screen[Any]:
        self.main = DebuggerScreen(self)
        return self.main

    def on_engine_event(self, message: EngineEvent) -> None:
        for event in self._drain_events():
            if self.main is not None:
                self.main.handle_event(event)

    def on_reload_record_posted(self, message: ReloadRecordPosted) -> None:
        record = message.record
        if record.scope == "debugger" and record.outcome in ("applied", "failed"):
            return  # shown from the engine's Reloaded event
        if self.main is not None:
            self.main.reload_log.add_record(record)

    def display_path(self, path: str | None) -> str:
        if not path:
            return ""
        base = self._base + os.sep
        if path.startswith(base):
            return path[len(base) :]
        home = os.path.expanduser("~") + os.sep
        if path.startswith(home):
            return "~/" + path[len(home) :]
        return path

    def launch(self) -> None:
        """Restore the project's breakpoints and start the program (called once the screen is up)."""
        if self.project is not None:
            for path, specs in self.project.specs().items():
                self.session.set_breakpoints(path, specs)
            if self.project.function_breakpoints:
                self.session.set_function_breakpoints(self.project.function_breakpoints)
        if self.main is not None:
            self.main._refresh_breakpoints()
        self._preloaded = set(sys.modules)
        self.session.launch(self.target, stop_on_entry=self.stop_on_entry)
        if self.auto_reload:
            self._start_watching()

    def loaded_sources(self) -> list[Any]:
        """The program's loaded sources: modules it imported (the app's own process had others before), and
        those of the package `-m` launched (`-m rich` runs rich, which the app had imported)."""
        from dapper_tui.engine.sources import user_roots

        launched = user_roots()
        return [
            s
            for s in self.session.loaded_sources()
            if s.module == "__main__"
            or s.module not in self._preloaded
            or (launched and s.path.startswith(launched))
        ]

    def _write_probe(self, probe: str) -> None:
        with open(probe, "w") as f:
            f.write(repr(time.time()))

    @work(thread=True, group="watch")
    def _start_watching(self) -> None:
        from .autoreload import start_watching, watch_source_folder

        try:
            self._watch_scope = start_watching(self.coordinator, self.session, [self._base])
        except Exception as exc:  # no watcher: keys still reload
            self.call_from_thread(self.notify, f"reload on save is off: {exc}", severity="warning")
            return
        for source in self.loaded_sources():  # imported before the watcher was up
            watch_source_folder(self.coordinator, self._watch_scope, source.path)

    def watch_folder_of(self, path: str) -> None:
        """The program loaded `path`: make sure saving it reloads it, wherever it lives. Library modules are
        filtered here, so that importing the standard library starts no worker at all."""
        from dapper_tui.engine.sources import is_user_file

        if self._watch_scope is not None and is_user_file(path):
            self._watch_more(path)

    @work(thread=True, group="watch")
    def _watch_more(self, path: str) -> None:
        from .autoreload import watch_source_folder

        watch_source_folder(self.coordinator, self._watch_scope, path)

    def remember(self) -> None:
        if self.project is None or self.main is None:
            return
        try:
            self.project.remember(self.session.breakpoint_list(), self.main.watches.expressions)
        except OSError as exc:
            self.notify(f"could not save breakpoints: {exc}", severity="warning")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        if main is None:
            return
        for key in KEYS:
            if key.palette:
                callback = getattr(main, f"action_{key.action}")
                yield SystemCommand(f"{key.description} ({key.display or key.keys})", key.help, callback)

    def on_unmount(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.coordinator.stop()
        if self.main is not None and self.project is not None:
            try:
                self.project.remember(self.session.breakpoint_list(), self.main.watches.expressions)
            except Exception:
                pass
        self.session.close()


def _prompts_provider() -> Any:
    """The agent's prompts in the palette (imported only when the palette opens)."""
    from .agent.prompts_provider import PromptsProvider

    return PromptsProvider
