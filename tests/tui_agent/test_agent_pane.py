"""The agent pane in a real Textual app, on a real agent project with a real capsule subprocess."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_pane_app import PaneApp
from dapper_tui.capsule.init import init_project
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.tui.agent.pane import AgentPane
from helpers import pilot_until
from textual.app import App, ComposeResult

TOOL = '''
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "agent"
    init_project(root, "testagent", False)
    (root / "src/tools/shout.py").write_text(TOOL)
    return root


@pytest.fixture
def saves() -> Iterator[ReloadCoordinator]:
    """A started reload coordinator: a saved tool file reloads."""
    coordinator = ReloadCoordinator(debounce_ms=30)
    coordinator.start()
    yield coordinator
    coordinator.stop()


async def _send(pilot, pane: AgentPane, text: str) -> None:
    """Send `text` from the composer and wait for its turn to end."""
    composer = pane.query_one("#agent-composer")
    composer.focus()
    composer.value = text
    await pilot.press("enter")
    await pilot_until(
        pilot, lambda: text in pane.view.plain_text() and not pane.busy, what=f"the turn of {text!r}"
    )


def _turn_in_another_process(project: Path, message: str) -> str:
    """One headless turn (`dapper-tui agent DIR -m MESSAGE --json`) in a new thread; returns the thread's id."""
    import json
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "dapper_tui.capsule.cli", str(project), "-m", message, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    start = next(line for line in run.stdout.splitlines() if '"thread_start"' in line)
    return json.loads(start)["thread"]


async def test_message_tool_call_and_reload_failure_inline(project: Path, saves: ReloadCoordinator) -> None:
    app = PaneApp(project, saves)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        await _send(pilot, pane, "hello there")
        assert "agent echo: hello there" in pane.view.plain_text()
        await _send(pilot, pane, '/call shout {"text": "hi"}')
        text = pane.view.plain_text()
        assert 'tool shout({"text": "hi"})' in text
        assert "✓ HI!" in text
        assert "r1 " in text  # every entry carries its revision

        # a broken save: the failure shows inline, the old tool keeps answering
        (project / "src/tools/shout.py").write_text(TOOL + "\ndef broken(:\n")
        await pilot_until(pilot, lambda: "reload failed" in pane.view.plain_text())
        await _send(pilot, pane, '/call shout {"text": "still"}')
        assert "✓ STILL!" in pane.view.plain_text()

        # the fix: next turn runs the new tool on a new revision; history stays
        (project / "src/tools/shout.py").write_text(TOOL.replace('"!"', '"?!"'))
        await pilot_until(pilot, lambda: pane.runtime.revision >= 2)
        await _send(pilot, pane, '/call shout {"text": "new"}')
        text = pane.view.plain_text()
        assert "✓ NEW?!" in text
        assert "✓ HI!" in text
        assert "✓ STILL!" in text
        assert "r2 " in text


async def test_watch_follows_a_thread_written_by_another_process(project: Path) -> None:
    import subprocess
    import sys

    thread_id = _turn_in_another_process(project, "first message")
    app = PaneApp(project, ReloadCoordinator(), watch=True)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        await pilot_until(pilot, lambda: "echo: first message" in pane.view.plain_text())
        assert not pane.query("#agent-composer")  # read-only
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "dapper_tui.capsule.cli",
                str(project),
                "-m",
                "second",
                "--thread",
                thread_id,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 0, second.stderr
        await pilot_until(pilot, lambda: "echo: second" in pane.view.plain_text())
        assert pane.view.plain_text().index("first message") < pane.view.plain_text().index("second")


async def test_five_thousand_entries_append_fast(project: Path) -> None:
    from dapper_tui.capsule.events import Event
    from dapper_tui.tui.agent.thread_view import ThreadView

    class ViewApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ThreadView()

    async with ViewApp().run_test(size=(100, 40)) as pilot:
        view = pilot.app.query_one(ThreadView)
        await pilot.pause()
        for i in range(5000):
            view.add_event(Event(type="user", thread="t", revision=1, data={"text": f"message {i}"}))
        await pilot.pause()
        assert len(view.entries) == 5000
        assert view.max_scroll_y > 5000  # scrolled to the end, virtual height covers everything
        bottom = "".join(view.render_line(y).text for y in range(view.size.height - 4, view.size.height))
        assert "message 4999" in bottom


async def test_agent_console_app_reload_key_and_one_log(project: Path) -> None:
    from dapper_tui.tui.agent.app import AgentConsoleApp
    from dapper_tui.tui.panes.reload_log import ReloadLogPane

    app = AgentConsoleApp(project, model="scripted")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot_until(pilot, lambda: app.pane.runtime is not None and app.pane.runtime.revision >= 1)
        log = app.query_one(ReloadLogPane)
        await pilot.press("ctrl+r")  # forces a new capsule generation
        await pilot_until(pilot, lambda: app.pane.runtime.revision >= 2)
        await pilot_until(
            pilot, lambda: any(r.outcome == "applied" and r.scope == "agent" for r in log.records)
        )
        (project / "src/tools/shout.py").write_text(TOOL + "\ndef broken(:\n")
        await pilot_until(pilot, lambda: any(r.outcome == "failed" for r in log.records))
        failed = next(r for r in log.records if r.outcome == "failed")
        assert "shout.py" in failed.message or "shout.py" in failed.path
        assert "FAILED" in log.detail_text


async def test_reload_failure_reaches_a_thread_from_an_earlier_session(
    project: Path, saves: ReloadCoordinator
) -> None:
    """The thread on screen was written by an earlier process: reload failures still show inline in it, and
    are kept in its history."""
    thread_id = _turn_in_another_process(project, "from before")
    app = PaneApp(project, saves)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        await pilot_until(pilot, lambda: "from before" in pane.view.plain_text())
        assert pane.thread_id == thread_id
        (project / "src/tools/shout.py").write_text(TOOL + "\ndef broken(:\n")
        await pilot_until(pilot, lambda: "reload failed" in pane.view.plain_text())
        assert "reload" in [e.type for e in pane.runtime.history(thread_id)]


async def test_pasted_lines_are_kept_and_each_call_runs(project: Path) -> None:
    from textual import events

    app = PaneApp(project, ReloadCoordinator())
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        composer = pane.query_one("#agent-composer")
        composer.focus()
        composer.post_message(events.Paste('/call shout {"text": "one"}\n/call shout {"text": "two"}'))
        await pilot_until(pilot, lambda: "⏎" in composer.value)
        await pilot.press("enter")
        await pilot_until(pilot, lambda: "✓ TWO!" in pane.view.plain_text() and not pane.busy)
        text = pane.view.plain_text()
        assert "✓ ONE!" in text
        assert "✓ TWO!" in text
        assert text.index("✓ ONE!") < text.index("✓ TWO!")
