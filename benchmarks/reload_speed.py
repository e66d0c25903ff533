"""Hot reload speed: median ``reload_file`` duration over 20 runs for generated 50- and 2,000-line modules.

Run:  .venv/bin/python benchmarks/reload_speed.py   (goal: <= 50 ms median for 2,000 lines)

Each run edits one function body in the middle of the module (a typical save) and reloads in the default
"diff" mode. The first reload of a file also builds the code index with one walk of the GC heap; it is shown
apart. The "lines shifted" column inserts a line at the top, so every definition below moves.

A last row times the whole ``DebugSession.reload`` call (hot reload, breakpoint re-mapping, the tracing
backend finding the reloaded functions again) on a program stopped with a breakpoint in the edited file and
1,500,000 GC-tracked objects on its heap, so a heap scan anywhere on that path shows (``session_reload``; also
a row of ``benchmarks/run.py``).
"""

from __future__ import annotations

import importlib
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dapper_tui.engine.hotreload import reload_file, track_sources

RUNS = 20


def generate(lines: int) -> str:
    out = ['"""Generated module."""', "import functools", "", "COUNTER = 0", ""]
    i = 0
    while len(out) < lines - 12:
        if i % 5 == 4:
            out += [
                f"class C{i}:",
                f"    attr = {i}",
                "",
                "    def method(self, x):",
                f"        return x + {i}",
                "",
                "    @property",
                "    def prop(self):",
                f"        return self.attr * {i}",
                "",
                "",
            ]
        else:
            out += [
                f"def func{i}(a, b=2):",
                f"    total = a * b + {i}",
                "    for k in range(3):",
                "        total += k",
                "    return total  # VALUE",
                "",
                "",
            ]
        i += 1
    while len(out) < lines:
        out.append(f"X{len(out)} = {len(out)}")
    return "\n".join(out[:lines]) + "\n"


def bench(lines: int, folder: Path) -> tuple[float, float, float]:
    name = f"bench_mod_{lines}"
    path = folder / f"{name}.py"
    source = generate(lines)
    path.write_text(source)
    sys.path.insert(0, str(folder))
    importlib.import_module(name)
    target = "return total  # VALUE"
    at = source.index(target, len(source) // 2)  # a function in the middle of the module
    durations = []
    first = 0.0
    for run in range(RUNS + 1):
        path.write_text(source[:at] + f"return total + {run + 1}  # VALUE" + source[at + len(target) :])
        result = reload_file(path)
        assert result.ok, result.error
        assert result.changed, result
        if run == 0:
            first = result.durationMs
        else:
            durations.append(result.durationMs)
    shifted = []
    for run in range(5):
        path.write_text("#\n" * (run + 1) + source)
        result = reload_file(path)
        assert result.ok, result.error
        shifted.append(result.durationMs)
    return statistics.median(durations), first, statistics.median(shifted)


HEAP_OBJECTS = 1_500_000


def session_reload(folder: Path, runs: int = 10, heap: int = HEAP_OBJECTS) -> tuple[float, float]:
    """Median wall time (s) of the whole `DebugSession.reload` call, and the median `durationMs` it reports (s),
    over `runs` reloads of a module holding a breakpoint, in a program stopped with `heap` tracked objects alive.

    The first reload of the file (which builds the hot reload's code index with one heap walk) is not counted.
    Each reload changes a function body and every other one also shifts the lines (the breakpoint moves).
    """
    from dapper_tui.engine.events import Exited, Stopped
    from dapper_tui.engine.launch import LaunchTarget
    from dapper_tui.engine.session import DebugSession

    mod = folder / "bp_heap_target.py"
    source = "def f(x):\n    y = x + 1   # BP\n    return y\n"
    mod.write_text(source)
    prog = folder / "bp_heap_prog.py"
    prog.write_text(
        "import bp_heap_target\n"
        f"junk = [[i] for i in range({heap})]  # every inner list is tracked by the GC\n"
        "breakpoint()\n"
        "bp_heap_target.f(1)\n"
    )
    events: queue.Queue = queue.Queue()
    session = DebugSession(events.put)
    try:
        [bp] = session.set_breakpoints(str(mod), [2])
        assert bp.verified, bp
        session.launch(LaunchTarget(program=str(prog)))
        while True:
            ev = events.get(timeout=120)
            if isinstance(ev, Exited):
                raise RuntimeError(f"the program exited: {ev}")
            if isinstance(ev, Stopped):
                break
        walls: list[float] = []
        reported: list[float] = []
        for run in range(runs + 1):
            shift = "#\n" * (run % 2)
            mod.write_text(shift + source.replace("x + 1", f"x + {run + 2}"))
            start = time.perf_counter()
            result = session.reload(str(mod))
            wall = time.perf_counter() - start
            if not result.ok:
                raise RuntimeError(f"reload failed: {result.error}")
            if run:
                walls.append(wall)
                reported.append(result.durationMs / 1000)
        session.set_breakpoints(str(mod), [])
        session.continue_()
        while not isinstance(events.get(timeout=120), Exited):
            pass
    finally:
        session.close()
    return statistics.median(walls), statistics.median(reported)


def main() -> None:
    track_sources()
    sys.dont_write_bytecode = True
    with tempfile.TemporaryDirectory() as tmp:
        rows = [(n, *bench(n, Path(tmp))) for n in (50, 2000)]
        sys.path.insert(0, tmp)
        wall, reported = session_reload(Path(tmp))
    print(f"Python {sys.version.split()[0]}, {RUNS} runs, mode=diff")
    print(f"{'lines':>6}  {'median ms':>10}  {'first (index) ms':>17}  {'lines shifted ms':>17}")
    for n, median, first, shifted in rows:
        print(f"{n:>6}  {median:>10.2f}  {first:>17.2f}  {shifted:>17.2f}")
    print(
        f"session.reload, breakpoint in the edited file, {HEAP_OBJECTS:,} objects on the heap: "
        f"median {wall * 1000:.1f} ms for the whole call (durationMs says {reported * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
