"""How long the agent console takes to show a thread holding one 5 MB tool result.

    python benchmarks/agent_thread_open.py [--mb 5] [--runs 3]

Builds a scratch agent project whose only thread holds one tool result of about ``--mb`` MB (73,529 lines of
68 bytes for 5 MB), starts the console (scripted model) on it in Textual's headless pilot, and times
``AgentPane.show_thread`` plus the frame after it (the best of ``--runs``), then unfolding and folding the
result again. The capsule's own start-up is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.init import init_project

THREAD = "20260101-000000-aaaaaa"


def make_project(root: Path, mb: float) -> None:
    init_project(root, "bench", False)
    threads = root / "data/threads"
    threads.mkdir(parents=True, exist_ok=True)
    big = "\n".join(f"line {i} " + "x" * 60 for i in range(int(mb * 1_000_000) // 68))
    call = {"tool": "big", "call_id": "c1", "step": 0}
    events = [
        Event("thread_start", THREAD, 1, {"model": "scripted"}),
        Event("user", THREAD, 1, {"text": "/call big"}, turn="a"),
        Event("tool_call", THREAD, 1, {**call, "arguments": {}}, turn="a"),
        Event("tool_result", THREAD, 1, {**call, "result": big, "is_error": False}, turn="a"),
        Event("assistant", THREAD, 1, {"text": "done", "step": 1}, turn="a"),
        Event("turn_end", THREAD, 1, {}, turn="a"),
    ]
    (threads / f"{THREAD}.jsonl").write_text("".join(json.dumps(e.to_dict()) + "\n" for e in events))


async def measure(root: Path, runs: int) -> None:
    from dapper_tui.tui.agent.app import AgentConsoleApp

    app = AgentConsoleApp(root, model="scripted")
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.pane
        while pane.runtime is None or pane.runtime.manager is None or "done" not in pane.view.plain_text():
            await pilot.pause(0.02)
        times = []
        for _ in range(runs):
            pane.show_thread(None)
            await pilot.pause()
            start = time.perf_counter()
            pane.show_thread(THREAD)
            await pilot.pause()
            times.append(time.perf_counter() - start)
        view = pane.view
        print(f"open the thread: {min(times):.3f} s (best of {runs}); {len(view._lines)} lines shown")
        index = next((i for i, e in enumerate(view.entries) if getattr(e, "folds", None)), None)
        if index is None:
            return
        start = time.perf_counter()
        view.toggle_fold(index)
        await pilot.pause()
        print(f"unfold the result: {time.perf_counter() - start:.3f} s; {len(view._lines)} lines")
        start = time.perf_counter()
        view.toggle_fold(index)
        await pilot.pause()
        print(f"fold it again: {time.perf_counter() - start:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "agent"
        make_project(root, args.mb)
        asyncio.run(measure(root, args.runs))


if __name__ == "__main__":
    main()
