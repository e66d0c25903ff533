"""`dapper-tui script.py --agent DIR`: one app, one reload coordinator, one reload log for both scopes."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.capsule.init import init_project
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.tui.agent.pane import AgentPane
from dapper_tui.tui.app import DebuggerApp
from dapper_tui.tui.panes.reload_log import ReloadLogPane
from helpers import pilot_until

PROGRAM = """\
import helper

for n in range(3):
    print("value", helper.value(n))   # loop
"""
HELPER = """\
def value(n):
    return n * 10
"""
TOOL = '''
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"
'''


async def test_debugger_and_agent_share_one_coordinator_and_one_log(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    prog_dir = tmp_path / "prog"
    prog_dir.mkdir()
    prog = prog_dir / "main.py"
    prog.write_text(PROGRAM)
    helper = prog_dir / "helper.py"
    helper.write_text(HELPER)
    agent_dir = tmp_path / "agent"
    init_project(agent_dir, "oneapp", False)
    (agent_dir / "src/tools/shout.py").write_text(TOOL)

    app = DebuggerApp(LaunchTarget(program=str(prog)), agent_dir=str(agent_dir), persist=False)
    app.session.set_breakpoints(str(prog), [4])
    async with app.run_test(size=(170, 50)) as pilot:
        screen = app.main
        # all four panes the product card names are on screen
        for selector in ("#stack", "#sources", "#agent", "#reload-log"):
            assert screen.query_one(selector).region.area > 0, selector
        await pilot_until(pilot, lambda: app.session.state == "stopped")  # at the loop's breakpoint
        agent = screen.query_one(AgentPane)
        await pilot_until(pilot, lambda: agent.runtime is not None and agent.runtime.revision >= 1)
        await pilot_until(pilot, lambda: app.coordinator.watching)

        # a tool save goes through the one coordinator; the debugger is not disturbed
        (agent_dir / "src/tools/shout.py").write_text(TOOL.replace('"!"', '"?"'))
        await pilot_until(pilot, lambda: agent.runtime.revision >= 2, 60.0)  # a capsule swap, under load
        assert app.session.state == "stopped"

        # a debuggee save goes through the same coordinator, into the same log
        helper.write_text(HELPER.replace("n * 10", "n * 100"))
        log = screen.query_one(ReloadLogPane)
        await pilot_until(
            pilot, lambda: any(r.scope == "debugger" and r.outcome == "applied" for r in log.records)
        )
        await pilot_until(
            pilot, lambda: any(r.scope == "agent" and r.outcome == "applied" for r in log.records)
        )
        assert {r.scope for r in app.coordinator.log} == {"debugger", "agent"}

        # the log filters by scope
        log.focus()
        log.action_cycle_scope()
        assert log.scope == "debugger"
        assert all(log.records[i].scope == "debugger" for i in log._shown)
        log.action_cycle_scope()
        assert log.scope == "agent"
        assert all(log.records[i].scope == "agent" for i in log._shown)

        # the reload key acts in the scope that has the focus
        agent.query_one("#agent-composer").focus()
        revision = agent.runtime.revision
        await pilot.press("ctrl+r")
        await pilot_until(pilot, lambda: agent.runtime.revision == revision + 1)
        screen.source.focus()
        debugger_rows = sum(r.scope == "debugger" for r in log.records)
        await pilot.press("ctrl+r")
        await pilot_until(pilot, lambda: sum(r.scope == "debugger" for r in log.records) == debugger_rows + 1)
        assert agent.runtime.revision == revision + 1

        # the agent still answers with the new tool, and the program runs the new helper
        agent.send('/call shout {"text": "both"}')
        await pilot_until(pilot, lambda: "✓ BOTH?" in agent.view.plain_text())
        app.session.set_breakpoints(str(prog), [])
        app.session.continue_()
        await pilot_until(pilot, lambda: app.session.state == "exited")
        await pilot_until(
            pilot, lambda: "value 200" in screen.output.text
        )  # the output may land after the exit
