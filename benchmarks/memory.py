"""Memory: resident set growth over 100 hot reloads and 50 capsule swaps, and capsules left behind.

    python benchmarks/memory.py [--reloads 100] [--swaps 50]

Run it with the interpreter of the venv under test (`.venv/bin/python benchmarks/memory.py`). Prints one table:
each measure, its goal, the figure measured and a verdict. Takes about a minute.

How each row is measured (resident memory is `VmRSS` from `/proc/self/status`, read after `gc.collect()`):

- **Hot reloads.** A real module of about 120 lines (functions, a class with a live instance, a dataclass,
  module state) is written to a temporary folder and imported, with bytecode writing on (as on users'
  machines). Then, `--reloads` times: one function's body is edited on disk and
  `dapper_tui.engine.hotreload.reload_file(path)` is called in-process; every reload must succeed and the
  function must return its new value. RSS is read after the import (before the first reload) and after the
  last one. For reference, the growth from the 10th reload to the last (after the one-time costs: the code
  index, the diff's cached parse) and the median reload time.
- **Capsule swaps.** `init_project` writes the example agent project into a temporary folder;
  `AgentRuntime(dir, model="scripted")` is started (its watcher, its manager, and the manager's warm spare, as
  configured by default), then `force_reload()` (the keyboard reload) is awaited `--swaps` times; each must
  end `applied` on a new generation. RSS of this process (the manager's) is read after `start()` and after
  the last swap.
- **Capsules left behind.** Capsule processes are found in `/proc` by their command line: it holds
  `dapper_tui.capsule.host` and the project folder of this run (so other sessions' capsules on the machine are
  not counted). Counted while the runtime runs (current generation plus the warm spare), immediately after
  `close()` returns (the goal), and again 2 s later.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from table import Table

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def rss() -> int:
    """Resident set size of this process in bytes (VmRSS), after a full collection."""
    gc.collect()
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


# -- 1. hot reloads ------------------------------------------------------------------------------------------
def module_source(version: int) -> str:
    """A module of ~120 lines; `version` is the body of `edited()` (the one function each reload changes)."""
    lines = [
        "from __future__ import annotations",
        "",
        "import dataclasses",
        "",
        "STATE = {'calls': 0}",
        "",
        "",
        "def edited() -> int:",
        f"    total = {version}",
        "    for i in range(3):",
        f"        total += i * {version % 7}",
        f"    return {version}",
        "",
    ]
    for i in range(20):
        lines += [
            f"def helper_{i}(x: int) -> int:",
            "    STATE['calls'] += 1",
            f"    return x * {i + 1} + len(STATE)",
            "",
        ]
    lines += [
        "@dataclasses.dataclass",
        "class Point:",
        "    x: int = 0",
        "    y: int = 0",
        "",
        "    def norm(self) -> int:",
        "        return abs(self.x) + abs(self.y)",
        "",
        "",
        "class Cart:",
        "    def __init__(self) -> None:",
        "        self.items: list[tuple[str, float]] = []",
        "",
        "    def add(self, name: str, price: float) -> None:",
        "        self.items.append((name, price))",
        "",
        "    def total(self) -> float:",
        "        return sum(price for _, price in self.items) + helper_0(0)",
        "",
        "",
        "CART = Cart()",
        "CART.add('apple', 1.5)",
        "ORIGIN = Point()",
    ]
    return "\n".join(lines) + "\n"


def measure_reloads(table: Table, reloads: int) -> None:
    from dapper_tui.engine.hotreload import reload_file, track_sources

    work = Path(tempfile.mkdtemp(prefix="dapper-mem-reload-"))
    name = f"memmod_{os.getpid()}"
    path = work / f"{name}.py"
    sys.path.insert(0, str(work))
    try:
        track_sources()  # as a debug session does when it starts
        path.write_text(module_source(0))
        module = importlib.import_module(name)
        cart = module.CART
        total = cart.total()
        before = rss()
        after_warmup = before
        times: list[float] = []
        for n in range(1, reloads + 1):
            path.write_text(module_source(n))
            t0 = time.perf_counter()
            result = reload_file(str(path))
            times.append(time.perf_counter() - t0)
            if not result.ok:
                raise SystemExit(f"reload {n} failed: {result.error}")
            if module.edited() != n:
                raise SystemExit(f"reload {n}: edited() returns {module.edited()}, not {n}")
            if n == min(10, reloads):
                after_warmup = rss()
        after = rss()
        if cart is not module.CART or cart.total() != total:
            raise SystemExit("the module's state did not survive the reloads")
    finally:
        sys.path.remove(str(work))
        sys.modules.pop(name, None)
        shutil.rmtree(work, ignore_errors=True)
    growth = (after - before) / MB
    table.check(
        f"RSS growth over {reloads} hot reloads (reload_file, in-process)",
        growth,
        20,
        "MB",
        f"{growth:+.1f} MB ({before / MB:.1f} -> {after / MB:.1f} MB)",
    )
    table.add(
        f"  growth from reload {min(10, reloads)} to {reloads}",
        "-",
        f"{(after - after_warmup) / MB:+.1f} MB",
        "info",
    )
    table.add("  reload time, median", "-", f"{statistics.median(times) * 1000:.1f} ms", "info")


# -- 2. capsule swaps ----------------------------------------------------------------------------------------
def capsule_pids(project: Path) -> list[int]:
    """Live capsule host processes of this run's project (found by command line in /proc)."""
    found = []
    marker = str(project)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if state != "Z" and "dapper_tui.capsule.host" in words and any(marker in w for w in words):
            found.append(int(entry))
    return found


async def measure_swaps(table: Table, swaps: int) -> None:
    from dapper_tui.capsule.init import init_project
    from dapper_tui.capsule.runtime import AgentRuntime

    work = Path(tempfile.mkdtemp(prefix="dapper-mem-capsule-"))
    project = work / "agent"
    try:
        init_project(project, "memory-bench")
        runtime = AgentRuntime(project, model="scripted")
        await runtime.start()
        try:
            await runtime.run(None, "hello")  # one turn: the model, the thread store, a tool call path
            before = rss()
            times: list[float] = []
            peak = 0
            for n in range(1, swaps + 1):
                generation = runtime.surface.generation_number
                t0 = time.perf_counter()
                record = await runtime.force_reload()
                times.append(time.perf_counter() - t0)
                if record.outcome != "applied" or runtime.surface.generation_number == generation:
                    raise SystemExit(f"swap {n}: {record.outcome}: {record.message}")
                peak = max(peak, len(capsule_pids(project)))
            after = rss()
            running = len(capsule_pids(project))
        finally:
            await runtime.close()
        left = capsule_pids(project)
        await asyncio.sleep(2.0)
        left_later = capsule_pids(project)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    growth = (after - before) / MB
    table.check(
        f"RSS growth of the manager process over {swaps} capsule swaps (force_reload)",
        growth,
        20,
        "MB",
        f"{growth:+.1f} MB ({before / MB:.1f} -> {after / MB:.1f} MB)",
    )
    table.add("  swap time (force_reload), median", "-", f"{statistics.median(times) * 1000:.0f} ms", "info")
    table.add(
        "  capsule processes while running (after the last swap; peak)", "-", f"{running}; {peak}", "info"
    )
    table.check(
        "capsule processes left right after close()",
        len(left),
        0,
        "",
        f"{len(left)} (2 s later: {len(left_later)})" + (f" pids {left}" if left else ""),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reloads", type=int, default=100)
    parser.add_argument("--swaps", type=int, default=50)
    parser.add_argument("--only", choices=("reload", "capsule"), action="append", help="run only these parts")
    ns = parser.parse_args()
    parts = ns.only or ["reload", "capsule"]
    sys.dont_write_bytecode = False  # users' machines write bytecode; this one sets PYTHONDONTWRITEBYTECODE
    started = time.perf_counter()
    table = Table()
    if "reload" in parts:
        measure_reloads(table, ns.reloads)
    if "capsule" in parts:
        asyncio.run(measure_swaps(table, ns.swaps))
    table.print(
        f"dapper-tui memory: Python {sys.version.split()[0]}, RSS of this process "
        f"{rss() / MB:.0f} MB now, {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
