"""Shared by the workloads: the scale factor and where to write the timing (set by benchmarks/run.py)."""

from __future__ import annotations

import os
import time

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
CPU = os.environ.get("BENCH_CLOCK", "cpu") == "cpu"


def clock() -> float:
    """CPU time of the whole process (default: steadier than wall time on a busy machine), or wall time."""
    return time.process_time() if CPU else time.perf_counter()


def report(elapsed: float) -> None:
    """Hand the workload's own timing (seconds, measured around the work only) back to the harness."""
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "w") as f:
            f.write(repr(elapsed))
    else:
        print(f"elapsed {elapsed:.4f}s")
