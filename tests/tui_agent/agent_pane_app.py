"""The agent pane alone in a Textual app, for the pilot tests: a real agent project, a real capsule subprocess,
the scripted model. Imported as `from agent_pane_app import PaneApp`."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.tui.agent.pane import AgentPane
from textual.app import App, ComposeResult


class PaneApp(App[None]):
    """`ready` turns true when the pane says its agent is up; `coordinator` defaults to one that is not started
    (saves then reload nothing by themselves)."""

    def __init__(
        self, project: Path, coordinator: ReloadCoordinator | None = None, watch: bool = False
    ) -> None:
        super().__init__()
        self.project, self.watch = project, watch
        self.coordinator = coordinator or ReloadCoordinator()
        self.ready = False

    def compose(self) -> ComposeResult:
        yield AgentPane(self.project, coordinator=self.coordinator, watch=self.watch, model="scripted")

    def on_agent_pane_ready(self) -> None:
        self.ready = True
