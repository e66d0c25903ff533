"""A real DebugSession on a real program, driven from a test (the engine and soak tests): `Driver` collects the
events it posts in order, `Saves` runs a real reload coordinator on the driver's folder, `driving` cleans up.

Imported one way, `from sessiondriver import Driver, driving, stack_of` (tests/ is on sys.path, as for `helpers`).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from dapper_tui.engine.events import Event, Exited, Output, Stopped
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.main_thread import MainThreadRunner
from dapper_tui.engine.reload_scope import start_watching
from dapper_tui.engine.session import DebugSession
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord
from helpers import line_of, wait_until, write


def stack_of(ident: int | None) -> list[FrameType]:
    """The frames thread `ident` runs now, innermost first (the program runs in this process; [] for a thread
    that is not running)."""
    frame = sys._current_frames().get(ident or -1)
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


class Driver:
    """A real DebugSession on a real program, with the events it posts collected in order."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.events: queue.Queue[Event] = queue.Queue()
        self.seen: list[Event] = []
        self.session = DebugSession(self.events.put)

    def write(self, name: str, source: str) -> Path:
        return write(self.tmp, name, source)

    def line_of(self, path: Path, marker: str) -> int:
        return line_of(path, marker)

    def main_thread(self) -> None:
        """A new session that runs the program on this (the main) thread, as the front ends do; see `serve`."""
        self.runner = MainThreadRunner()
        self.session.close()
        self.session = DebugSession(self.events.put, runner=self.runner)

    def serve(self, body: Callable[[], None]) -> None:
        """Serve the program on this thread while `body` drives the session from another; at the end of `body`
        (or at its failure, raised here) the session closes, so a program parked on this thread ends."""
        failure: list[BaseException] = []

        def drive() -> None:
            try:
                body()
            except BaseException as exc:
                failure.append(exc)
            finally:
                self.session.close()  # a program parked on the main thread must end, or `serve` never returns
                self.runner.close()

        driving = threading.Thread(target=drive)
        driving.start()
        self.runner.serve()
        driving.join()
        sys.stdout.flush()
        if failure:
            raise failure[0]

    def saves(self, debounce_ms: int | None = None) -> Saves:
        """Saves in this folder reload, as in the front ends (`with driver.saves() as saves:` stops the watcher)."""
        return Saves(self, debounce_ms)

    def launch(self, program: Path, *args: str, **kw: object) -> None:
        self.session.launch(LaunchTarget(program=str(program), args=list(args)), **kw)  # type: ignore[arg-type]

    def running(self, program: Path, timeout: float = 10.0) -> None:
        """Wait until the program runs its own code: the session is running, with a frame of `program` on a
        thread's stack (the program runs in this process)."""
        target = program.resolve()

        def inside() -> bool:
            if self.session.state != "running":
                return False
            return any(
                Path(frame.f_code.co_filename).resolve() == target
                for ident in list(sys._current_frames())
                for frame in stack_of(ident)
            )

        wait_until(inside, timeout, lambda: f"{program.name} never ran; the session is {self.session.state}")

    def run_to(self, program: Path, marker: str, where: Path | None = None) -> Stopped:
        """Launch `program` with a breakpoint on the line marked `marker` of `where` (the program itself by
        default), and wait for the stop there."""
        where = where or program
        self.session.set_breakpoints(str(where), [self.line_of(where, marker)])
        self.launch(program)
        return self.stopped()

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

    def finish(self, timeout: float = 10.0, clear: Path | None = None) -> Exited:
        """Continue until the program exits (with `clear`, that file's breakpoints are removed first)."""
        if clear is not None:
            self.session.set_breakpoints(str(clear), [])
        while True:
            if self.session.state == "stopped":
                self.session.continue_()
            ev = self.wait((Stopped, Exited), timeout)  # type: ignore[arg-type]
            if isinstance(ev, Exited):
                return ev


class Saves:
    """The reload scope of a session on a real coordinator (watchfiles), as the TUI and `--plain` run it: saves
    under the driver's folder reload, and their records come in order."""

    def __init__(self, driver: Driver, debounce_ms: int | None = None) -> None:
        self.coordinator = (
            ReloadCoordinator() if debounce_ms is None else ReloadCoordinator(debounce_ms=debounce_ms)
        )
        self.records: queue.Queue[ReloadRecord] = queue.Queue()
        self.coordinator.subscribe(self.records.put)
        self.scope = start_watching(self.coordinator, driver.session, [str(driver.tmp)])

    def watching(self, folder: Path, timeout: float = 10.0) -> None:
        wait_until(
            lambda: folder.resolve() in self.coordinator._roots(),
            timeout,
            lambda: f"{folder} never watched: {self.coordinator._roots()}",
        )
        wait_until(lambda: self.coordinator.watching, timeout, "the watcher never started")

    def __enter__(self) -> Saves:
        return self

    def __exit__(self, *exc: object) -> None:
        self.coordinator.stop()

    def next(self, timeout: float = 10.0) -> ReloadRecord:
        return self.records.get(timeout=timeout)

    def until(self, outcome: str, timeout: float = 10.0) -> ReloadRecord:
        """The next record with `outcome`; none of those before it applied anything."""
        record = self.next(timeout)
        while record.outcome != outcome:
            assert record.outcome != "applied", record
            record = self.next(timeout)
        return record

    def drain(self) -> list[ReloadRecord]:
        out = []
        while True:
            try:
                out.append(self.records.get_nowait())
            except queue.Empty:
                return out


@contextmanager
def driving(tmp: Path) -> Iterator[Driver]:
    """A Driver in `tmp`; at the end its session closes, and the program's modules (files in `tmp`) are
    forgotten, so the next test imports its own."""
    d = Driver(tmp)
    try:
        yield d
    finally:
        d.session.close()
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", "") or "").startswith(str(tmp)):
                del sys.modules[name]
