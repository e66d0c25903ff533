"""A follower of a thread (the TUI's ``--watch``) never shows a call as running for ever: when the agent that
writes the thread is killed during a call, the follower closes the call as interrupted, in the file.

Found as a soft spot of the chaos runs: a killed agent's open call showed "running" in a watching TUI until it
reloaded the thread (the follower saw no new event, so nothing made it look again).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chaos_helpers import THREAD, Agent, chaos_project, stored
from dapper_tui.capsule.events import Event
from dapper_tui.capsule.threads import ThreadStore

pytestmark = pytest.mark.slow


def sync_follow(store: ThreadStore, stop: threading.Event, out: queue.Queue[Event]) -> None:
    for event in store.follow(THREAD, stop=stop):
        out.put(event)


def async_follow(store: ThreadStore, stop: threading.Event, out: queue.Queue[Event]) -> None:
    async def main() -> None:
        async for event in store.afollow(THREAD):
            out.put(event)
            if stop.is_set():
                return

    async def until_stopped() -> None:
        task = asyncio.create_task(main())
        while not stop.is_set() and not task.done():
            await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(until_stopped())


def next_event(out: queue.Queue[Event], match: Callable[[Event], bool], within: float) -> Event | None:
    deadline = time.monotonic() + within
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = out.get(timeout=remaining)
        except queue.Empty:
            return None
        if match(event):
            return event
    return None


@pytest.fixture(params=[sync_follow, async_follow], ids=["follow", "afollow"])
def follower(request: pytest.FixtureRequest) -> Iterator[Callable[..., None]]:
    yield request.param


def test_a_follower_closes_the_call_of_a_killed_agent_as_interrupted(
    tmp_path: Path, follower: Callable[..., None]
) -> None:
    root = chaos_project(tmp_path / "agent", call_timeout=60)
    agent = Agent(root, tmp_path / "agent.log")
    stop = threading.Event()
    out: queue.Queue[Event] = queue.Queue()
    watcher = threading.Thread(target=follower, args=(ThreadStore(root / "data"), stop, out), daemon=True)
    try:
        agent.wait_for(lambda e: e.get("type") == "ready")
        watcher.start()
        agent.send("/call hang_sync")
        call = next_event(out, lambda e: e.type == "tool_call", 20)
        assert call is not None
        assert call.get("tool") == "hang_sync"
        agent.kill()
        result = next_event(out, lambda e: e.type == "tool_result", 10)
        assert result is not None, "the follower still shows the killed agent's call as running"
        assert result.get("interrupted")
        assert result.get("is_error")
        assert (result.turn, result.get("call_id")) == (call.turn, call.get("call_id"))
    finally:
        stop.set()
        if agent.proc.poll() is None:
            agent.kill()
        watcher.join(10)
    results = [e for e in stored(root / "data/threads" / f"{THREAD}.jsonl") if e["type"] == "tool_result"]
    assert len(results) == 1, "closed once, in the file, for every reader and later writer"
