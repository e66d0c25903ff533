"""SVG snapshot of the agent pane after a turn with a tool call (scripted model, fixed size)."""

from __future__ import annotations

from pathlib import Path

from agent_pane_app import PaneApp
from dapper_tui.capsule.init import init_project
from dapper_tui.tui.agent.pane import AgentPane
from helpers import pilot_until

TOOL = '''
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"
'''


def test_agent_thread_with_a_tool_call(snap_compare, tmp_path: Path) -> None:
    project = tmp_path / "agent"
    init_project(project, "snapagent", False)
    (project / "src/tools/shout.py").write_text(TOOL)
    app = PaneApp(project)

    async def run_before(pilot) -> None:
        pane = app.query_one(AgentPane)
        await pilot_until(
            pilot,
            lambda: (
                pane.runtime is not None and pane.runtime.manager is not None and pane.runtime.revision >= 1
            ),
        )
        pane.send('/call shout {"text": "snapshot"}')
        await pilot_until(pilot, lambda: "✓ SNAPSHOT!" in pane.view.plain_text() and not pane.busy)
        composer = pane.query_one("#agent-composer")
        composer.blur()
        await pilot_until(pilot, lambda: not composer.has_focus)
        await pilot.pause()  # drawn without the focus

    assert snap_compare(app, terminal_size=(110, 24), run_before=run_before)
