"""`dapper-tui agent DIR`: the agent console. The agent pane beside the reload log, one reload coordinator.

`--watch` attaches read-only to threads another process writes in DIR/data.

Below ``WIDE`` columns the reload log is hidden, so the conversation gets the width (Ctrl+L shows it and
moves the focus there; Ctrl+L again, or Esc, hides it). Esc or Ctrl+C cancels a running turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer

from ..panes import PANES_CSS
from ..panes.reload_log import ReloadLogPane
from .heap import settle_after_startup
from .pane import AgentPane
from .prompts_provider import PromptsProvider


class RecordPosted(Message):
    def __init__(self, record: ReloadRecord) -> None:
        super().__init__()
        self.record = record


class AgentConsoleApp(App[int]):
    TITLE = "dapper-tui agent"
    CSS_PATH = PANES_CSS
    COMMANDS = App.COMMANDS | {PromptsProvider}
    CSS = """
    #agent-main { height: 1fr; }
    #agent-main AgentPane { width: 3fr; }
    #agent-main ReloadLogPane { width: 2fr; }
    AgentConsoleApp.-narrow #agent-main ReloadLogPane { display: none; }
    AgentConsoleApp.-narrow.-show-log #agent-main ReloadLogPane { display: block; width: 1fr; }
    AgentConsoleApp.-narrow.-show-log #agent-main AgentPane { display: none; }
    """
    WIDE = 120  # columns from which the reload log shows beside the agent pane
    BINDINGS = [
        Binding("ctrl+r", "reload", "Reload tools", key_display="^r"),
        Binding("ctrl+alt+r", "reload", "Reload tools", show=False),
        Binding("ctrl+n", "new_thread", "New thread", key_display="^n"),
        Binding("ctrl+l", "focus_log", "Reload log", key_display="^l"),
        Binding("escape", "focus_composer", "Composer", show=False),
        Binding("ctrl+c", "cancel_turn", "Cancel turn", priority=True, show=False),
        Binding("ctrl+q", "quit", "Quit", key_display="^q"),
    ]

    def __init__(
        self,
        project_dir: str | Path,
        *,
        watch: bool = False,
        model: str | None = None,
        settle_heap: bool = False,
    ) -> None:
        """`settle_heap`: tune the garbage collector for this process (see heap.py); only for the real command,
        never in a process that goes on to run other code, such as a test run."""
        super().__init__()
        self.settle_heap = settle_heap
        self.project_dir = Path(project_dir)
        self.watch_only = watch
        self.model = model
        self.coordinator = ReloadCoordinator()
        self._unsubscribe: Any = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="agent-main"):
            yield AgentPane(
                self.project_dir, coordinator=self.coordinator, watch=self.watch_only, model=self.model
            )
            yield ReloadLogPane(id="reload-log")
        yield Footer()

    @property
    def pane(self) -> AgentPane:
        return self.query_one(AgentPane)

    def on_mount(self) -> None:
        self.sub_title = str(self.project_dir)
        self._unsubscribe = self.coordinator.subscribe(self._record_from_any_thread)
        if not self.watch_only:
            self.run_worker(self._start_coordinator, thread=True, group="coordinator")
        if self.settle_heap:
            self.call_after_refresh(settle_after_startup)

    def _start_coordinator(self) -> None:
        self.coordinator.start()

    def _record_from_any_thread(self, record: ReloadRecord) -> None:
        self.post_message(RecordPosted(record))

    def on_record_posted(self, message: RecordPosted) -> None:
        self.query_one(ReloadLogPane).add_record(message.record)

    def on_agent_pane_ready(self, _message: AgentPane.Ready) -> None:
        if not self.watch_only:
            self.action_focus_composer()

    async def action_reload(self) -> None:
        if self.watch_only:
            self.notify("watching read-only: nothing to reload here", severity="warning")
            return
        self.notify("replacing the capsule…")
        await self.pane.force_reload()

    def action_new_thread(self) -> None:
        if not self.watch_only:
            self.pane.show_thread(None)
            self.action_focus_composer()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < self.WIDE, "-narrow")

    def action_focus_log(self) -> None:
        if self.has_class("-narrow"):
            self.toggle_class("-show-log")
            if not self.has_class("-show-log"):
                self.action_focus_composer()
                return
        self.query_one(ReloadLogPane).query_one("#reload-table").focus()

    def action_focus_composer(self) -> None:
        if self.pane.turn_running:
            self.pane.action_cancel_turn()
            return
        self.remove_class("-show-log")
        composers = self.query("#agent-composer")
        if composers:
            composers.first().focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_turn":
            panes = self.query(AgentPane)
            return bool(panes) and panes.first().turn_running
        return True

    def action_cancel_turn(self) -> None:
        self.pane.action_cancel_turn()

    def on_unmount(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        self.coordinator.stop()


def run_agent_app(project_dir: str | Path, *, watch: bool = False, model: str | None = None) -> int:
    path = Path(project_dir)
    if not path.is_dir():
        import sys

        print(
            f"dapper-tui agent: {path} is not a folder (create one with: dapper-tui agent init {path})",
            file=sys.stderr,
        )
        return 2
    AgentConsoleApp(path, watch=watch, model=model, settle_heap=True).run()
    return 0
