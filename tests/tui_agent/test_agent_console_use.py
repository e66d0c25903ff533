"""The agent console in daily use: cancel and queue, long results, tracebacks, interrupted calls,
prompts with placeholders, and a small terminal. Real projects, real capsule subprocesses, Textual's pilot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_pane_app import PaneApp
from dapper_tui.capsule.events import Event
from dapper_tui.capsule.init import init_project
from dapper_tui.tui.agent.pane import AgentPane
from dapper_tui.tui.agent.thread_view import ThreadView
from helpers import pilot_until

TOOLS = '''
import os
import time
from pathlib import Path


def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"


def gated() -> str:
    """Wait until data/gate exists."""
    gate = Path(os.environ["DAPPER_AGENT_DATA"]) / "gate"
    for _ in range(3000):
        if gate.exists():
            return "opened"
        time.sleep(0.01)
    return "gate never opened"


def _inner(n: int) -> int:
    return 10 // n


def divide(n: int) -> str:
    """Divide ten by n."""
    return str(_inner(n))
'''

PROMPT = """\
---
name: restyle
description: Say something in a style
arguments: [style, topic]
---
Tell me about {{topic}} in a {{style}} style.
"""

THREAD = "20260101-000000-abcdef"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "agent"
    init_project(root, "testagent", False)
    (root / "src/tools/extra.py").write_text(TOOLS)
    (root / "src/prompts/restyle.md").write_text(PROMPT)
    return root


async def _type_and_send(pilot, pane: AgentPane, text: str) -> None:
    composer = pane.query_one("#agent-composer")
    composer.focus()
    composer.value = text
    await pilot.press("enter")


def _write_thread(project: Path, events: list[Event]) -> Path:
    threads = project / "data/threads"
    threads.mkdir(parents=True, exist_ok=True)
    path = threads / f"{THREAD}.jsonl"
    path.write_text("".join(json.dumps(e.to_dict()) + "\n" for e in events))
    return path


def _call(tool: str, result: str | None = None, **extra: object) -> list[Event]:
    events = [
        Event("thread_start", THREAD, 1, {"model": "scripted"}),
        Event("user", THREAD, 1, {"text": f"/call {tool}"}, turn="t1"),
        Event("tool_call", THREAD, 1, {"tool": tool, "arguments": {}, "call_id": "c1", "step": 0}, turn="t1"),
    ]
    if result is not None:
        data = {"tool": tool, "call_id": "c1", "result": result, "step": 0, **extra}
        events.append(Event("tool_result", THREAD, 1, data, turn="t1"))
        events.append(Event("assistant", THREAD, 1, {"text": "all done", "step": 1}, turn="t1"))
        events.append(Event("turn_end", THREAD, 1, {}, turn="t1"))
    return events


async def test_escape_cancels_the_turn_and_a_queued_message_runs_after(project: Path) -> None:
    app = PaneApp(project)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        await _type_and_send(pilot, pane, "/call gated")
        await pilot_until(pilot, lambda: "running" in pane.view.plain_text())
        await _type_and_send(pilot, pane, "and then this")
        queue = pane.query_one("#agent-queue")
        await pilot_until(pilot, lambda: queue.display and "queued (1): and then this" in str(queue.render()))
        assert "and then this" not in pane.view.plain_text(), "not sent yet"
        await pilot.press("escape")
        await pilot_until(pilot, lambda: "echo: and then this" in pane.view.plain_text())
        text = pane.view.plain_text()
        assert "⊘ cancelled" in text
        assert "error cancelled" in text
        assert text.index("⊘ cancelled") < text.index("you and then this")
        await pilot_until(pilot, lambda: not pane.busy)
        assert not queue.display
        assert "running" not in pane.view.plain_text()
        stored = pane.runtime.history(pane.thread_id)
        assert [e.get("result") for e in stored if e.type == "tool_result"] == ["cancelled"]

        # Ctrl+C in the composer cancels too (it copies only when no turn runs)
        await _type_and_send(pilot, pane, "/call gated")
        await pilot_until(pilot, lambda: pane.view.plain_text().count("running") == 1)
        assert pane.query_one("#agent-composer").has_focus
        await pilot.press("ctrl+c")
        await pilot_until(pilot, lambda: pane.view.plain_text().count("⊘ cancelled") == 2)
        await pilot_until(pilot, lambda: not pane.busy)


async def test_a_five_megabyte_result_opens_folded_and_unfolds_on_click(project: Path) -> None:
    big = "\n".join(f"row {i} " + "x" * 60 for i in range(5_000_000 // 68))
    _write_thread(project, _call("dump", big, is_error=False))
    app = PaneApp(project)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        view = pane.view
        await pilot_until(pilot, lambda: "all done" in view.plain_text())
        text = view.plain_text()
        assert "▸ 5.0 MB, 73,529 lines" in text
        assert "row 0 xxx" in text
        assert "row 4 xxx" in text
        assert "row 5 " not in text
        assert "row 73528" not in text
        assert len(view._lines) < 40, "folded: a few lines, whatever the result's size"
        # a click on the fold's line unfolds it; its head stays in view
        toggle = next(i for i, line in enumerate(view._lines) if "▸ 5.0 MB" in "".join(t for t, _ in line))
        view.scroll_to(y=max(0, toggle - 5), animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(ThreadView, offset=(4, toggle - int(view.scroll_y) + 1))  # +1: the border
        await pilot_until(pilot, lambda: "row 73528" in view.plain_text())
        assert "▾ fold (5.0 MB, 73,529 lines)" in view.plain_text()
        assert view.scroll_y <= view._starts[1] + 1  # the result's head is on screen, not its end
        view.focus()
        await pilot.press("end")
        await pilot.press("enter")  # Enter folds it again
        await pilot_until(pilot, lambda: "row 73528" not in view.plain_text())
        # the model gets a capped text, with a note saying so
        from dapper_tui.capsule.turns import history_to_messages

        messages = history_to_messages(pane.runtime.history(THREAD), pane.runtime.config.result_max_bytes)
        sent = next(m for m in messages if m["role"] == "tool")["content"]
        assert len(sent) <= pane.runtime.config.result_max_bytes
        assert "[... cut for the model: " in sent


async def test_a_failed_call_shows_its_traceback_folded(project: Path) -> None:
    app = PaneApp(project)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        await _type_and_send(pilot, pane, '/call divide {"n": 0}')
        await pilot_until(pilot, lambda: "▸ traceback" in pane.view.plain_text() and not pane.busy)
        view = pane.view
        index = next(i for i, e in enumerate(view.entries) if e.kind == "tool")

        def call_text() -> str:  # the call's entry only (the scripted reply after it repeats the result)
            lines = view._lines[view._starts[index] : view._starts[index + 1]]
            return "\n".join("".join(t for t, _ in line) for line in lines)

        assert "✗ ZeroDivisionError: integer division or modulo by zero" in call_text()
        assert "return 10 // n" not in call_text()
        assert view.toggle_fold(index)
        await pilot.pause()
        text = call_text()
        assert "return 10 // n" in text
        assert "extra.py" in text
        assert "in _inner" in text


async def test_an_interrupted_call_from_an_earlier_session(project: Path) -> None:
    _write_thread(project, _call("gated"))  # an earlier session died during the call
    app = PaneApp(project)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        view = app.query_one(AgentPane).view
        await pilot_until(pilot, lambda: "interrupted" in view.plain_text())
        await pilot_until(pilot, lambda: view._ticker is None, what="no spinner left ticking")
        text = view.plain_text()
        assert "⊘ interrupted" in text
        assert "running" not in text
        assert view.running_tools == 0
        assert view._ticker is None  # no spinner left ticking


async def test_watching_a_thread_whose_writer_is_gone_shows_the_call_interrupted(project: Path) -> None:
    _write_thread(project, _call("gated"))
    app = PaneApp(project, watch=True)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        view = app.query_one(AgentPane).view
        await pilot_until(pilot, lambda: "⊘ interrupted" in view.plain_text())
        assert "running" not in view.plain_text()
        assert view.running_tools == 0


async def test_a_palette_prompt_asks_for_its_placeholders(project: Path) -> None:
    from dapper_tui.tui.agent.app import AgentConsoleApp
    from textual.command import CommandList

    app = AgentConsoleApp(project, model="scripted")
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot_until(
            pilot, lambda: app.pane.runtime is not None and app.pane.runtime.manager is not None
        )
        await pilot_until(pilot, lambda: bool(app.pane.prompts()))
        pane = app.pane
        await pilot.press("ctrl+p")
        await pilot.press(*"restyle")

        def listed() -> bool:
            lists = app.screen.query(CommandList)
            return (
                bool(lists)
                and lists.first().option_count > 0
                and "restyle" in str(lists.first().get_option_at_index(0).prompt)
            )

        await pilot_until(pilot, listed)
        await pilot.press("down")
        await pilot.press("enter")
        await pilot_until(pilot, lambda: type(app.screen).__name__ == "PromptValues")
        await pilot.press(*"pirate", "enter")  # the declared order: style, then topic
        await pilot.press(*"the sea", "enter")
        composer = pane.query_one("#agent-composer")
        await pilot_until(pilot, lambda: composer.value == "Tell me about the sea in a pirate style.")
        await pilot.press("enter")
        await pilot_until(
            pilot, lambda: "echo: Tell me about the sea in a pirate style." in pane.view.plain_text()
        )
        assert "{{" not in pane.view.plain_text()

        # typed by hand, a placeholder is asked for too, and Esc leaves the message unsent
        await _type_and_send(pilot, pane, "hello {{who}}")
        await pilot_until(pilot, lambda: type(app.screen).__name__ == "PromptValues")
        await pilot.press("escape")
        await pilot_until(pilot, lambda: type(app.screen).__name__ != "PromptValues")
        assert composer.value == "hello {{who}}"
        assert "hello {{who}}" not in pane.view.plain_text()
        await pilot.press("enter")
        await pilot_until(pilot, lambda: type(app.screen).__name__ == "PromptValues")
        await pilot.press(*"world", "enter")
        await pilot_until(pilot, lambda: "echo: hello world" in pane.view.plain_text())


async def test_the_conversation_gets_most_of_an_80_by_24_terminal(project: Path) -> None:
    from dapper_tui.tui.agent.app import AgentConsoleApp
    from dapper_tui.tui.panes.reload_log import ReloadLogPane

    app = AgentConsoleApp(project, model="scripted")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot_until(
            pilot, lambda: app.pane.runtime is not None and app.pane.runtime.manager is not None
        )
        await pilot.pause()
        view = app.pane.view
        assert view.scrollable_content_region.width >= 56, view.scrollable_content_region.width
        composer = app.pane.query_one("#agent-composer")
        assert composer.region.width >= 56
        assert composer.region.height >= 1
        await pilot.press("ctrl+l")  # the reload log, on demand (laid out on a later frame under load)
        await pilot_until(pilot, lambda: app.query_one(ReloadLogPane).region.width >= 56)
        await pilot.press("ctrl+l")
        await pilot_until(pilot, lambda: app.query_one(ReloadLogPane).region.width == 0)
        assert view.scrollable_content_region.width >= 56


SECRET = (
    "s3cr\\et/t0k+en=1"  # a backslash (repr doubles it), a slash and a plus (base64 and URL forms differ)
)

SECRET_TOOLS = '''
import base64
import os
import sys
from urllib.parse import quote


def leak() -> str:
    """Print the API token to stderr and return it in several forms."""
    s = os.environ["API_TOKEN"]
    print("printed", s, file=sys.stderr, flush=True)
    return " | ".join([s, repr({"t": s}), base64.b64encode(s.encode()).decode(), quote(s, safe="")])


def fail_with_it() -> str:
    """Fail with the token in the message: the traceback is the crash report."""
    raise RuntimeError("login failed for " + os.environ["API_TOKEN"])


def die_with_it() -> str:
    """Print the token to stderr, then end the capsule process."""
    print("dying with", os.environ["API_TOKEN"], file=sys.stderr, flush=True)
    os._exit(3)
'''


async def test_the_console_never_shows_a_secret(project: Path) -> None:
    import base64
    from urllib.parse import quote

    (project / ".env").write_text(f"API_TOKEN='{SECRET}'\n")
    (project / "src/tools/secrets_tool.py").write_text(SECRET_TOOLS)
    forms = {
        "raw": SECRET,
        "repr": repr(SECRET)[1:-1],
        "base64": base64.b64encode(SECRET.encode()).decode(),
        "url-quoted": quote(SECRET, safe=""),
    }
    app = PaneApp(project)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot_until(pilot, lambda: app.ready)
        pane = app.query_one(AgentPane)
        for call, seen in [
            ("/call leak", "leak: "),
            ("/call fail_with_it", "fail_with_it failed"),
            ("/call die_with_it", "die_with_it failed"),
        ]:
            await _type_and_send(pilot, pane, call)
            await pilot_until(pilot, lambda seen=seen: seen in pane.view.plain_text())
            await pilot_until(pilot, lambda: not pane.busy)
        view = pane.view
        for index, entry in enumerate(view.entries):  # every fold open: the tracebacks and anything long
            for fold in entry.folds:
                if fold.key not in entry.open_folds:
                    view.toggle_fold(index, fold.key)
        await pilot.pause()
        assert "Traceback" in view.plain_text()
        shown = pane.view.plain_text() + app.export_screenshot()
        assert "[redacted]" in shown
        assert "login failed for" in shown
        leaked = [name for name, form in forms.items() if form in shown]
        assert leaked == [], leaked
