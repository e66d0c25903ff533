from __future__ import annotations

import queue
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from dapper_tui.engine.events import Event, Exited, Output, Stopped
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.session import DebugSession


class Driver:
    """A real DebugSession on a real program, with the events it posts collected in order."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.events: queue.Queue[Event] = queue.Queue()
        self.seen: list[Event] = []
        self.session = DebugSession(self.events.put)

    def write(self, name: str, source: str) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        return path

    def line_of(self, path: Path, marker: str) -> int:
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if marker in line:
                return i
        raise AssertionError(f"{marker!r} not in {path}")

    def launch(self, program: Path, *args: str, **kw: object) -> None:
        self.session.launch(LaunchTarget(program=str(program), args=list(args)), **kw)  # type: ignore[arg-type]

    def wait(self, kind: type, timeout: float = 10.0) -> Event:
        while True:
            ev = self.events.get(timeout=timeout)
            self.seen.append(ev)
            if isinstance(ev, kind):
                return ev

    def stopped(self, timeout: float = 10.0) -> Stopped:
        ev = self.wait((Stopped, Exited), timeout)  # type: ignore[arg-type]
        assert isinstance(ev, Stopped), f"expected a stop, program exited: {ev}"
        return ev

    def top(self) -> tuple[str, int]:
        frames = self.session.stack()
        return frames[0].name, frames[0].line

    def value(self, expr: str) -> str:
        return self.session.evaluate(expr).value

    def output(self) -> str:
        while True:
            try:
                self.seen.append(self.events.get_nowait())
            except queue.Empty:
                break
        return "".join(e.text for e in self.seen if isinstance(e, Output) and e.category == "stdout")

    def finish(self, timeout: float = 10.0) -> Exited:
        while True:
            if self.session.state == "stopped":
                self.session.continue_()
            ev = self.wait((Stopped, Exited), timeout)  # type: ignore[arg-type]
            if isinstance(ev, Exited):
                return ev


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    d = Driver(tmp_path)
    mods = set(sys.modules)
    yield d
    d.session.close()
    for name in set(sys.modules) - mods:
        f = getattr(sys.modules.get(name), "__file__", "") or ""
        if f.startswith(str(tmp_path)):
            del sys.modules[name]
