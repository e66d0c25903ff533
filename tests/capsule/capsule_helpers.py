"""Fixtures for the agent capsule tests: real project folders, real capsule subprocesses, real files."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from dapper_tui.capsule.events import Event
from dapper_tui.capsule.runtime import AgentRuntime

PY = sys.executable


@pytest.fixture(autouse=True)
def bytecode_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Users' machines write bytecode; this one sets PYTHONDONTWRITEBYTECODE, which hides stale-bytecode bugs."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.delenv("DAPPER_MODEL", raising=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


TOOL_V1 = """\
import os
import time
from pathlib import Path

VERSION = "v1"
CALLS = 0  # module state: recreated on every capsule reload


def version() -> str:
    \"\"\"The tool module's version.\"\"\"
    return VERSION


def slow(seconds: float = 1.0) -> str:
    \"\"\"Sleep, then report the version that answered.\"\"\"
    time.sleep(seconds)
    return VERSION


def count() -> str:
    \"\"\"Count calls in module state and in data/.\"\"\"
    global CALLS
    CALLS += 1
    path = Path(os.environ["DAPPER_AGENT_DATA"]) / "count.txt"
    total = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(total))
    return f"module={CALLS} data={total}"
"""


def make_project(
    root: Path, *, drain_timeout: float = 5.0, model: str = "scripted", extra_toml: str = ""
) -> Path:
    write(
        root / "agent.toml",
        f"""\
        name = "testagent"
        model = "{model}"
        {extra_toml}
        [runtime]
        drain_timeout = {drain_timeout}
        start_timeout = 20
        """,
    )
    write(root / "src" / "tools" / "t.py", TOOL_V1)
    write(root / "src" / "identity.md", "You are {{name}}.\n")
    (root / "data").mkdir(exist_ok=True)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "agent")


class Recorder:
    """Collects every event of a runtime; waits for the ones a test expects."""

    def __init__(self, runtime: AgentRuntime) -> None:
        self.events: list[Event] = []
        self._used: set[int] = set()  # each waited-for event is returned once
        self._changed = asyncio.Event()
        runtime.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    def reloads(self) -> list[dict[str, object]]:
        return [e.data["record"] for e in self.events if e.type == "reload"]

    async def wait(self, predicate: Callable[[Event], bool], timeout: float = 20.0) -> Event:
        deadline = time.monotonic() + timeout
        while True:
            for index in range(len(self.events)):
                if index not in self._used and predicate(self.events[index]):
                    self._used.add(index)
                    return self.events[index]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event; got {[e.to_dict() for e in self.events][-8:]}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    async def reload(self, outcome: str, timeout: float = 20.0, **detail: object) -> dict[str, object]:
        def match(event: Event) -> bool:
            if event.type != "reload":
                return False
            record = event.data["record"]
            if record["outcome"] != outcome:
                return False
            return all(record["detail"].get(k) == v for k, v in detail.items())

        return (await self.wait(match, timeout)).data["record"]


async def final_text(runtime: AgentRuntime, thread: str | None, text: str) -> tuple[str, list[Event]]:
    events = await runtime.run(thread, text)
    finals = [e.data["text"] for e in events if e.type == "assistant"]
    return (finals[-1] if finals else ""), events


@pytest.fixture
async def runtime(project: Path) -> AsyncIterator[AgentRuntime]:
    rt = AgentRuntime(project, drain_timeout=5.0)
    await rt.start()
    try:
        yield rt
    finally:
        await rt.close()


def pids_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
