"""SVG snapshot of the agent pane after a turn with a tool call (scripted model, fixed size)."""

from __future__ import annotations

import time
from pathlib import Path

from dapper_tui.capsule.init import init_project
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.tui.agent.pane import AgentPane
from textual.app import App, ComposeResult

TOOL = '''
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"
'''


class PaneApp(App[None]):
    def __init__(self, project: Path) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        yield AgentPane(self.project, coordinator=ReloadCoordinator(), model="scripted")


def test_agent_thread_with_a_tool_call(snap_compare, tmp_path: Path) -> None:
    project = tmp_path / "agent"
    init_project(project, "snapagent", False)
    (project / "src/tools/shout.py").write_text(TOOL)
    app = PaneApp(project)

    async def run_before(pilot) -> None:
        pane = app.query_one(AgentPane)
        deadline = time.monotonic() + 20
        while pane.runtime is None or pane.runtime.manager is None or pane.runtime.revision < 1:
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        pane.send('/call shout {"text": "snapshot"}')
        while "✓ SNAPSHOT!" not in pane.view.plain_text() or pane.busy:
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        pane.query_one("#agent-composer").blur()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(110, 24), run_before=run_before)
