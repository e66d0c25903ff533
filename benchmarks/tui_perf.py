"""TUI speed: first paint, a 5,000-entry agent thread, and a million-element list in the variables pane.

    python benchmarks/tui_perf.py [--runs 5] [--entries 5000] [--appends 300]

Run it with the interpreter of the venv under test (`.venv/bin/python benchmarks/tui_perf.py`); it times that
venv's installed `dapper-tui`. Prints one table: each measure, its goal, the figure measured
and a verdict. Takes about a minute.

How each row is measured:

- **First paint.** The installed `dapper-tui examples/shop_demo.py` is started in a real terminal, a detached
  tmux session of 160x48 (`tmux new-session -d -x 160 -y 48 ...`), and `tmux capture-pane -p` is polled every
  few milliseconds. The clock starts just before tmux is asked to start the session; "first paint" is the first
  capture that shows the panes (the "Call stack" and "Variables" borders); "footer" the first one that also
  shows the footer's keys ("Quit"). Beside it, the CPU time the app's process had used when the panes showed
  (`/proc/PID/stat`): on this shared machine the wall time carries other processes' load, the CPU time not. Median of `--runs` (after one unmeasured warm-up run, which fills the file
  cache). For reference: the app's own first-refresh moment (`$DAPPER_TUI_FIRST_PAINT_FILE`), and the same
  tmux start and polling around `echo` (the floor any command pays here).
- **Agent thread.** A `ThreadView` alone on a 160x48 screen in `App.run_test()`, filled with `--entries`
  entries (user messages, tool calls with results, multi-line answers, reload records). Then `--appends` more
  `add_event` calls, alternating user and assistant events; each is timed from the call until the frame that
  shows it is rendered: the messages it posts are handled (`Pilot._wait_for_screen`) and the screen's update is
  run (`Screen._on_timer_update`: layout, compositor, output), twice, because the view scrolls to the new end
  after the first refresh. This is `pilot.pause()` without its idle wait (that one sleeps at least 20 ms,
  which is the test harness, not the app); `pilot.pause()` runs after the timed part, untimed. Wall clock, and
  the main thread's CPU time beside it (this machine is shared, so wall time carries other processes' load).
- **Scrolling.** `scroll_to(y=..., animate=False, immediate=True)` a page (the view's height) at a time from
  the top of the thread to its end, each followed by the same render; ms per page. The goal "no lag" is read
  as one 60 Hz frame (16 ms) per page at p95.
- **Variables pane.** A real program, stopped at a line breakpoint with `big = list(range(1_000_000))` in its
  locals, in `DebuggerApp` under `run_test()`. The cursor is put on `big`, the pane focused, and the real key
  (`space`, the tree's toggle) is sent through the app's driver; timed until the first page of children is in
  the tree and rendered (the pane's lines are then checked to show `[0] = 0`). The verdict is the first
  expansion; the breakpoint is in a loop, and `big` is collapsed and the program continued to the next stop
  four more times for the median. "more..." times the next page (Enter on the "more..." node).

Beside the thread and variables rows, the time the cyclic garbage collector took inside the timed windows
(`gc.callbacks`), since its full passes are what the slow samples have in common. Parts run in one process
with a `gc.collect()` between them, so one part's garbage is not collected inside the next part's timings.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from table import Table

ROOT = Path(__file__).resolve().parents[1]
SIZE = (160, 48)


# -- table ---------------------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


def ms(values: list[float]) -> list[float]:
    return [v * 1000 for v in values]


class GcClock:
    """Seconds spent in the cyclic garbage collector (`gc.callbacks`): tells GC pauses from rendering."""

    def __init__(self) -> None:
        self.total = 0.0  # every collection
        self.full = 0.0  # generation 2 only
        self._start = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        took = time.perf_counter() - self._start
        self.total += took
        if info.get("generation") == 2:
            self.full += took

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


GC = GcClock()


# -- 1. first paint ------------------------------------------------------------------------------------------
def _tmux(socket: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True)


def _cpu_seconds(pid: str) -> float | None:
    """User + system CPU time of a process so far (clock-tick resolution), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def paint_once(command: str, work: Path, marks: dict[str, Callable[[str], bool]]) -> dict[str, float]:
    """Start `command` in a fresh tmux server; seconds from the start until each mark's test passes."""
    socket = f"dapper-perf-{uuid.uuid4().hex[:8]}"
    probe = work / f"probe-{uuid.uuid4().hex[:6]}"
    env = f"env -u COLUMNS -u LINES XDG_STATE_HOME={work / 'state'} DAPPER_TUI_FIRST_PAINT_FILE={probe}"
    seen: dict[str, float] = {}
    cpus: dict[str, float] = {}
    start_wall = time.time()
    start = time.perf_counter()
    _tmux(socket, "new-session", "-d", "-x", str(SIZE[0]), "-y", str(SIZE[1]), f"{env} {command}")
    try:
        pid = _tmux(socket, "list-panes", "-F", "#{pane_pid}").stdout.strip()  # `env` execs the command
        deadline = start + 20
        while len(seen) < len(marks):
            screen = _tmux(socket, "capture-pane", "-p").stdout
            now = time.perf_counter() - start
            for name, test in marks.items():
                if name not in seen and test(screen):
                    seen[name] = now
                    cpu = _cpu_seconds(pid)
                    if cpu is not None:
                        cpus[f"{name} cpu"] = cpu
            if time.perf_counter() > deadline:
                missing = ", ".join(m for m in marks if m not in seen)
                raise SystemExit(f"{command!r}: not on screen within 20 s: {missing}\n{screen}")
            time.sleep(0.003)
        seen.update(cpus)
        if probe.exists() and probe.read_text():
            seen["probe"] = float(probe.read_text()) - start_wall
    finally:
        _tmux(socket, "kill-server")
    return seen


def measure_first_paint(table: Table, runs: int) -> None:
    if shutil.which("tmux") is None:
        table.add("first paint", "<= 0.6 s", "skipped: tmux is not installed", "n/a")
        return
    command = Path(sys.executable).parent / "dapper-tui"
    if not command.exists():
        table.add("first paint", "<= 0.6 s", f"skipped: {command} is missing", "n/a")
        return
    app_cmd = f"{command} {ROOT / 'examples' / 'shop_demo.py'}"
    marks = {
        "panes": lambda s: "Call stack" in s and "Variables" in s,
        "footer": lambda s: "Call stack" in s and "Quit" in s,
    }
    work = Path(tempfile.mkdtemp(prefix="dapper-tui-perf-"))
    try:
        paint_once(app_cmd, work, marks)  # warm-up: file cache, bytecode
        samples = [paint_once(app_cmd, work, marks) for _ in range(runs)]
        floor = [paint_once("sh -c 'echo READY; sleep 30'", work, {"ready": lambda s: "READY" in s})]
        floor += [paint_once("sh -c 'echo READY; sleep 30'", work, {"ready": lambda s: "READY" in s})]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def row(key: str) -> tuple[float, str]:
        values = [s[key] for s in samples if key in s]
        med = statistics.median(values)
        return med, f"{med:.3f} s (min {min(values):.3f}, max {max(values):.3f})"

    med, text = row("panes")
    table.check(f"first paint: panes on screen (median of {runs})", med, 0.6, "s", text)
    if all("panes cpu" in s for s in samples):
        med, text = row("panes cpu")
        table.add("  CPU time of the app process until then (load-independent)", "-", text, "info")
    med, text = row("footer")
    table.add("  footer keys on screen (median)", "-", text, "info")
    if all("probe" in s for s in samples):
        med, text = row("probe")
        table.add("  app's own first refresh ($DAPPER_TUI_FIRST_PAINT_FILE)", "-", text, "info")
    table.add(
        "  floor: tmux start + capture polling of `echo`",
        "-",
        f"{statistics.median(f['ready'] for f in floor):.3f} s",
        "info",
    )


# -- 2. agent thread -----------------------------------------------------------------------------------------
def thread_events(thread: str) -> Iterator[Any]:
    """An endless, realistic agent thread: turns with tool calls, multi-line answers and reload records."""
    from dapper_tui.capsule.events import Event

    turn = 0
    while True:
        turn += 1
        rev = 1 + turn // 40
        yield Event(
            "user", thread, rev, {"text": f"turn {turn}: add a note about order #{turn * 7} and list them"}
        )
        call = f"call-{turn}"
        yield Event(
            "tool_call",
            thread,
            rev,
            {
                "call_id": call,
                "tool": "add_note",
                "arguments": {"text": f"order #{turn * 7}"},
                "generation": rev,
            },
        )
        yield Event(
            "tool_result", thread, rev, {"call_id": call, "tool": "add_note", "result": f"saved {turn}"}
        )
        yield Event(
            "assistant",
            thread,
            rev,
            {
                "text": f"Saved the note for order #{turn * 7}. You now have {turn} notes; the newest three are\n"
                f"- order #{turn * 7}\n- order #{(turn - 1) * 7}\n- order #{(turn - 2) * 7}"
            },
        )
        if turn % 10 == 0:
            record = {
                "outcome": "applied",
                "message": f"tools reloaded: generation {rev} is current",
                "path": "src/tools/notes.py",
            }
            yield Event("reload", thread, rev, {"record": record})


async def render_cycle(pilot: Any, rounds: int = 2) -> None:
    """Handle every queued message, then run the screen's update (layout, compositor, output)."""
    for _ in range(rounds):
        await pilot._wait_for_screen()
        pilot.app.screen._on_timer_update()


async def measure_thread(table: Table, entries: int, appends: int) -> None:
    from dapper_tui.capsule.events import Event
    from dapper_tui.tui.agent.heap import settle_after_startup
    from dapper_tui.tui.agent.thread_view import ThreadView
    from textual.app import App, ComposeResult

    class ThreadApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ThreadView(id="thread")

    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(ThreadView)
        await pilot.pause()
        settle_after_startup()  # what `dapper-tui agent DIR` does once on screen (tui/agent/heap.py)
        source = thread_events("bench")
        while len(view.entries) < entries:
            view.add_event(next(source))
            if len(view.entries) % 500 == 0:
                await pilot.pause()
        await pilot.pause()
        await pilot.pause()
        filled = len(view.entries)

        wall: list[float] = []
        cpu: list[float] = []
        gcs: list[float] = []
        fulls: list[float] = []
        behind = 0
        for i in range(appends):
            if i % 2:
                event = Event("assistant", "bench", 9, {"text": f"answer {i}\nsecond line\nthird line"})
            else:
                event = Event("user", "bench", 9, {"text": f"message {i} to the agent"})
            t0, c0, g0, f0 = time.perf_counter(), time.thread_time(), GC.total, GC.full
            view.add_event(event)
            await render_cycle(pilot)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
            gcs.append(GC.total - g0)
            fulls.append(GC.full - f0)
            if view.scroll_y < view.max_scroll_y:
                behind += 1
            await pilot.pause()  # untimed: the harness's idle wait
        last = view.render_line(view.scrollable_content_region.height - 2).text
        if f"answer {appends - 1}" not in view.plain_text() or behind:
            raise SystemExit(f"the thread view did not follow its appends ({behind} behind; {last!r})")

        page = max(1, view.scrollable_content_region.height)
        total_lines = len(view._lines)
        view.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        scroll_wall: list[float] = []
        scroll_cpu: list[float] = []
        y = 0
        while y < view.max_scroll_y:
            y = min(y + page, int(view.max_scroll_y))
            t0, c0 = time.perf_counter(), time.thread_time()
            view.scroll_to(y=y, animate=False, immediate=True)
            await render_cycle(pilot, rounds=1)
            scroll_wall.append(time.perf_counter() - t0)
            scroll_cpu.append(time.thread_time() - c0)
            if int(view.scroll_y) != y:
                raise SystemExit(f"scroll_to(y={y}) left the view at {view.scroll_y}")

    w, c = ms(wall), ms(cpu)
    table.check(
        f"thread of {filled:,} entries: append + render, p95 ({appends} appends)",
        pct(w, 0.95),
        16,
        "ms",
        f"{pct(w, 0.95):.1f} ms (median {statistics.median(w):.1f}, CPU p95 {pct(c, 0.95):.1f}, median {statistics.median(c):.1f})",
    )
    table.add("  append + render, max", "-", f"{max(w):.1f} ms (CPU max {max(c):.1f})", "info")
    g, f = ms(gcs), ms(fulls)
    paused = {i for i, t in enumerate(f) if t > 0}
    calm = [t for i, t in enumerate(w) if i not in paused] or [0.0]
    table.add(
        "  of which garbage collection (gc.callbacks)",
        "-",
        f"{sum(g) / len(g):.1f} ms per append; a full (gen 2) pass in {len(paused)} of {len(f)} appends, "
        f"{statistics.median([f[i] for i in paused] or [0.0]):.0f} ms each (median); "
        f"p95 of the appends without one {pct(calm, 0.95):.1f} ms",
        "info",
    )
    sw, sc = ms(scroll_wall), ms(scroll_cpu)
    table.check(
        f"thread scroll: scroll_to + render per page ({len(sw)} pages of {page} lines, {total_lines:,} lines)",
        pct(sw, 0.95),
        16,
        "ms",
        f"{pct(sw, 0.95):.1f} ms p95 (median {statistics.median(sw):.1f}, max {max(sw):.1f}, "
        f"CPU p95 {pct(sc, 0.95):.1f})",
    )


# -- 3. a million-element list in the variables pane ---------------------------------------------------------
PROGRAM = """\
def main():
    big = list(range(1_000_000))
    total = 0
    for stop in range(5):
        total += stop  # BREAK
    return len(big) + total


main()
"""


async def _wait_until(pilot: Any, test: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await pilot.pause(0.01)


def _pane_text(pane: Any) -> str:
    return "\n".join(pane.render_line(y).text for y in range(pane.scrollable_content_region.height))


async def _press(app: Any, key: str, char: str | None) -> None:
    """The key as the terminal driver delivers it (no pilot idle waits)."""
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def _expand(pilot: Any, pane: Any, name: str) -> tuple[float, float, float]:
    """Cursor on `name`, `space`; seconds until its first page is in the tree and rendered (wall, CPU, GC)."""
    node = pane.find(name)
    if node is None:
        raise SystemExit(f"{name} is not in the variables pane")
    pane.focus()
    pane.move_cursor(node)
    await pilot.pause()
    t0, c0, g0 = time.perf_counter(), time.thread_time(), GC.total
    await _press(pilot.app, "space", " ")
    deadline = t0 + 30
    while len(node.children) == 0:
        if time.perf_counter() > deadline:
            raise SystemExit(f"{name}: no children 30 s after space")
        await asyncio.sleep(0)
    await render_cycle(pilot)
    took = time.perf_counter() - t0, time.thread_time() - c0, GC.total - g0
    await pilot.pause()
    if "[0] = 0" not in _pane_text(pane):
        raise SystemExit(f"{name}: expanded, but its first element is not on screen:\n{_pane_text(pane)}")
    node.collapse()
    await pilot.pause()
    return took


STOPS = 5


async def measure_variables(table: Table) -> None:
    from dapper_tui.engine.launch import LaunchTarget
    from dapper_tui.tui.app import DebuggerApp

    work = Path(tempfile.mkdtemp(prefix="dapper-tui-perf-vars-"))
    try:
        program = work / "million.py"
        program.write_text(PROGRAM)
        line = next(i for i, text in enumerate(PROGRAM.splitlines(), 1) if "# BREAK" in text)
        app = DebuggerApp(LaunchTarget(program=str(program)), persist=False, auto_reload=False)
        bps = app.session.set_breakpoints(str(program), [line])
        async with app.run_test(size=SIZE) as pilot:
            assert app.main is not None
            screen = app.main
            pane = screen.variables
            samples: list[tuple[float, float, float]] = []
            for stop in range(STOPS):  # one sample per stop: a fresh `big` node each time
                await _wait_until(
                    pilot,
                    lambda n=2 * stop: app.session.state == "stopped" and screen.stop_gen > n,
                    f"stop {stop + 1} at the breakpoint",
                )
                await _wait_until(pilot, lambda: pane.find("big") is not None, "big in the variables pane")
                if not (bps and all(bp.verified for bp in app.session.breakpoint_list())):
                    raise SystemExit("the breakpoint was not verified")
                samples.append(await _expand(pilot, pane, "big"))  # collapsed again: not reopened next stop
                if stop < STOPS - 1:
                    app.session.continue_()

            node = pane.find("big")
            assert node is not None
            node.expand()  # loaded already: no new page
            await pilot.pause()
            more = node.children[-1]
            if more.data is None or more.data.kind != "more":
                raise SystemExit("no 'more…' node after the first page")
            pane.focus()
            pane.move_cursor(more)
            await pilot.pause()
            before = len(node.children)
            t0 = time.perf_counter()
            await _press(app, "enter", "\r")
            while len(node.children) <= before:
                if time.perf_counter() - t0 > 30:
                    raise SystemExit("the 'more…' node loaded nothing in 30 s")
                await asyncio.sleep(0)
            await render_cycle(pilot)
            more_ms = (time.perf_counter() - t0) * 1000
            await pilot.pause()
            second = node.children[100].label.plain if len(node.children) > 100 else ""
            if not second.startswith("[100]"):
                raise SystemExit(f"the second page starts with {second!r}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    first_ms, first_cpu, first_gc = (v * 1000 for v in samples[0])
    walls = [s[0] * 1000 for s in samples]
    table.check(
        "variables: expand a 1,000,000-element list (space) to first page shown",
        first_ms,
        100,
        "ms",
        f"{first_ms:.1f} ms (CPU {first_cpu:.1f}, GC {first_gc:.1f}; median of {STOPS} stops {statistics.median(walls):.1f}, "
        f"max {max(walls):.1f})",
    )
    table.add("  next page: Enter on 'more…'", "-", f"{more_ms:.1f} ms", "info")


# -- 4. a step (F10) to the new screen --------------------------------------------------------------------
def _step_program() -> str:
    """200 lines: a function with 20 locals whose loop the benchmark steps through, then filler functions."""
    names = [f"v{i:02d}" for i in range(20)]
    lines = ["def work():"]
    lines += [f"    {name} = {i} * 3" for i, name in enumerate(names)]
    lines += [
        "    total = 0",
        "    for i in range(100_000):  # BREAK",
        "        total += i",
        "        total -= 1",
    ]
    lines += [f"    return total + {' + '.join(names)}", "", ""]
    n = 0
    while len(lines) < 196:
        lines += [f"def filler_{n}(x):", f"    return x * {n} + 1", "", ""]
        n += 1
    lines += ["", "work()"]
    return "\n".join(lines) + "\n"


async def measure_step(table: Table, steps: int) -> None:
    from dapper_tui.engine.launch import LaunchTarget
    from dapper_tui.tui.app import DebuggerApp

    text = _step_program()
    work = Path(tempfile.mkdtemp(prefix="dapper-tui-perf-step-"))
    try:
        program = work / "stepping.py"
        program.write_text(text)
        line = next(i for i, t in enumerate(text.splitlines(), 1) if "# BREAK" in t)
        app = DebuggerApp(LaunchTarget(program=str(program)), persist=False, auto_reload=False)
        app.session.set_breakpoints(str(program), [line])
        wall: list[float] = []
        cpu: list[float] = []
        handled: list[float] = []
        async with app.run_test(size=(100, 30)) as pilot:
            assert app.main is not None
            screen = app.main
            await _wait_until(pilot, lambda: screen.stop_gen >= 1, "the first stop")
            await _wait_until(pilot, lambda: screen.variables.find("v19") is not None, "the locals")
            app.session.set_breakpoints(str(program), [])  # steps only from here
            screen.source.focus()
            for _ in range(steps):
                before = screen.source.current_line
                gen = screen.stop_gen
                t0, c0 = time.perf_counter(), time.thread_time()
                await _press(app, "f10", None)
                deadline = t0 + 30
                # Continued and Stopped both bump stop_gen; the step is shown when the stop is handled
                while not (screen.stop_gen >= gen + 2 and app.session.state == "stopped"):
                    if time.perf_counter() > deadline:
                        raise SystemExit("a step did not stop within 30 s")
                    await asyncio.sleep(0)
                handled.append(time.perf_counter() - t0)
                await render_cycle(pilot)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
                if screen.source.current_line == before:
                    raise SystemExit(f"the step left the source view at line {before}")
                await pilot.pause()
            app.session.terminate()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    w, c = ms(wall), ms(cpu)
    table.check(
        f"step (F10) to the new screen, p95 ({steps} steps, 200-line file, 20 locals, 100x30)",
        pct(w, 0.95),
        30,
        "ms",
        f"{pct(w, 0.95):.1f} ms (median {statistics.median(w):.1f}, max {max(w):.1f}, CPU p95 {pct(c, 0.95):.1f}, median {statistics.median(c):.1f})",
    )
    h = ms(handled)
    table.add(
        "  of which: key to the stop handled (engine step, events, pane updates)",
        "-",
        f"{pct(h, 0.95):.1f} ms p95 (median {statistics.median(h):.1f})",
        "info",
    )


# -- main ----------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="first-paint runs (median)")
    parser.add_argument("--entries", type=int, default=5000, help="thread entries before the timed appends")
    parser.add_argument("--appends", type=int, default=300, help="timed appends")
    parser.add_argument("--steps", type=int, default=60, help="timed steps (F10)")
    parser.add_argument(
        "--only",
        choices=("paint", "thread", "variables", "step"),
        action="append",
        help="run only these parts",
    )
    ns = parser.parse_args()
    parts = ns.only or ["paint", "thread", "variables", "step"]
    started = time.perf_counter()
    table = Table()
    GC.__enter__()
    if "paint" in parts:
        measure_first_paint(table, ns.runs)
    if "thread" in parts:
        thresholds = gc.get_threshold()
        asyncio.run(measure_thread(table, ns.entries, ns.appends))
        gc.unfreeze()  # undo the agent console's collector settings: the debugger keeps Python's defaults
        gc.set_threshold(*thresholds)
        gc.collect()  # the thread app's garbage is collected here, not inside the next part's timings
    if "variables" in parts:
        asyncio.run(measure_variables(table))
    if "step" in parts:
        asyncio.run(measure_step(table, ns.steps))
    version = sys.version.split()[0]
    load = os.getloadavg()[0]
    table.print(
        f"dapper-tui TUI performance: Python {version}, {os.cpu_count()} CPUs, load {load:.1f}, "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
