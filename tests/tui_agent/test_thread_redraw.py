"""The agent thread, drawn a line at a time as it grows, shows exactly what the same thread shows when opened
whole: the view keeps lines it already styled (and its scrollbar) across appends, and none of them may
go stale when an entry changes, the view is focused (its colours change), scrolled, or folded."""

from __future__ import annotations

import re

from dapper_tui.capsule.events import Event
from dapper_tui.tui.agent.thread_view import ThreadView
from textual.app import App, ComposeResult
from textual.widgets import Input

CSS = """
ThreadView { border: round $primary 40%; }
ThreadView:focus { border: round $accent; background: $boost; }
"""
SIZE = (70, 22)


class ThreadApp(App[None]):
    CSS = CSS

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="message", id="composer"
        )  # focused first: the view's colours change when it is focused
        yield ThreadView(id="thread")


def history() -> list[Event]:
    events: list[Event] = []
    for turn in range(12):
        events.append(
            Event("user", "t", 1, {"text": f"question {turn}: how many notes for order #{turn * 7}?"})
        )
        events.append(
            Event("tool_call", "t", 1, {"call_id": f"c{turn}", "tool": "count", "arguments": {"n": turn}})
        )
        events.append(Event("tool_result", "t", 1, {"call_id": f"c{turn}", "tool": "count", "result": turn}))
        events.append(
            Event("assistant", "t", 1, {"text": f"{turn} notes\nfor order #{turn * 7}\nthat is all"})
        )
    return events


LATER = [
    Event("user", "t", 2, {"text": "now a long one"}),
    Event("tool_call", "t", 2, {"call_id": "big", "tool": "dump", "arguments": {}}),
]
RESULT = Event(
    "tool_result", "t", 2, {"call_id": "big", "tool": "dump", "result": "\n".join(map(str, range(80)))}
)
TAIL = [Event("assistant", "t", 2, {"text": f"reply {i}\nsecond line"}) for i in range(6)]


def screen(app: App[None]) -> str:
    svg = app.export_screenshot()
    return re.sub(r"terminal-\d+", "terminal", svg)  # the id is a hash of the title and content


async def grown(events: list[Event], *, focus: bool, scroll_up: int, unfold: bool) -> tuple[str, int, str]:
    """The thread built an event at a time, each one drawn; then focused, scrolled and (un)folded."""
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ThreadView)
        app.query_one(Input).cursor_blink = False
        await pilot.pause()
        for event in events:
            view.add_event(event)
            await pilot.pause()
        if unfold:
            index = next(i for i, e in enumerate(view.entries) if e.data.get("call_id") == "big")
            view.toggle_fold(index)
            await pilot.pause()
            view.toggle_fold(index)  # and folded again: its lines are drawn anew
            await pilot.pause()
        if focus:
            view.focus()
            await pilot.pause()
        view.scroll_to(y=view.max_scroll_y - scroll_up, animate=False, immediate=True)
        await pilot.pause()
        view.add_event(Event("user", "t", 2, {"text": "one more, below the view"}))
        await pilot.pause()
        return screen(app), int(view.scroll_y), view.plain_text()


async def whole(events: list[Event], *, focus: bool, scroll_y: int) -> tuple[str, str]:
    """The same thread opened at once and put at the same place."""
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ThreadView)
        app.query_one(Input).cursor_blink = False
        await pilot.pause()
        view.load([*events, Event("user", "t", 2, {"text": "one more, below the view"})])
        await pilot.pause()
        if focus:
            view.focus()
            await pilot.pause()
        view.scroll_to(y=scroll_y, animate=False, immediate=True)
        await pilot.pause()
        return screen(app), view.plain_text()


async def test_a_thread_drawn_as_it_grows_matches_the_thread_opened_whole() -> None:
    cases = (
        ([*history(), *LATER, RESULT], False, 0, False),  # a result arrives for a call drawn as running
        ([*history(), *LATER, RESULT, *TAIL], False, 0, False),
        ([*history(), *LATER, RESULT, *TAIL], True, 9, False),
        ([*history(), *LATER, RESULT, *TAIL], True, 23, True),
    )
    for events, focus, scroll_up, unfold in cases:
        grown_svg, scroll_y, grown_text = await grown(events, focus=focus, scroll_up=scroll_up, unfold=unfold)
        whole_svg, whole_text = await whole(events, focus=focus, scroll_y=scroll_y)
        assert grown_text == whole_text
        assert "one more, below the view" in grown_text
        assert "running" not in grown_text
        assert grown_svg == whole_svg, (
            f"the grown thread's screen differs (focus={focus}, scroll_y={scroll_y})"
        )
