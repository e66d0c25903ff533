"""Save to applied: the time from writing a loaded source of a stopped program to the reload being applied,
through the real path a user takes (watchfiles coordinator -> debugger scope -> hot reload), median of 20.

    python benchmarks/save_to_applied.py [--runs 20] [--lines 50]

Goal: at most 150 ms.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from dapper_tui.engine.events import Event, Stopped
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.reload_scope import DebuggerReloadScope
from dapper_tui.engine.session import DebugSession
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord


def module_source(lines: int, version: int) -> str:
    body = [f"VERSION = {version}\n", "\n", "\n"]
    i = 0
    while len(body) < lines:
        body.append(f"def f{i}(x):\n    return x + {i}\n\n\n")
        i += 1
    body.append(f"def edited(x):\n    return x * {version}\n")
    return "".join(body)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=50)
    ns = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dapper-save-"))
    mod = work / "target_mod.py"
    mod.write_text(module_source(ns.lines, 0))
    prog = work / "prog.py"
    prog.write_text("import target_mod\nbreakpoint()\nprint(target_mod.edited(1))\n")

    events: queue.Queue[Event] = queue.Queue()
    session = DebugSession(events.put)
    applied: queue.Queue[tuple[float, ReloadRecord]] = queue.Queue()
    coordinator = ReloadCoordinator()
    coordinator.add_scope(DebuggerReloadScope(session, coordinator), [work])
    coordinator.subscribe(lambda r: applied.put((time.perf_counter(), r)))
    coordinator.start()
    session.launch(LaunchTarget(program=str(prog)))
    while not isinstance(events.get(timeout=10), Stopped):
        pass
    times = []
    try:
        for run in range(1, ns.runs + 1):
            time.sleep(0.15)  # a person saves now and then, not in a burst
            start = time.perf_counter()
            mod.write_text(module_source(ns.lines, run))
            while True:
                stamp, record = applied.get(timeout=10)
                if record.outcome in ("applied", "failed"):
                    break
            if record.outcome != "applied":
                sys.exit(f"reload failed: {record.message}")
            times.append((stamp - start) * 1000)
    finally:
        coordinator.stop()
        session.close()
    print(f"save to applied, {ns.lines}-line module, Python {sys.version.split()[0]}, {ns.runs} saves")
    print(
        f"  median {statistics.median(times):.1f} ms   min {min(times):.1f}   max {max(times):.1f}   goal <= 150 ms"
    )
    threading.Event().wait(0)


if __name__ == "__main__":
    main()
