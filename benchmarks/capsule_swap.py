"""Save-to-swap latency of the agent capsule: the time from a tool file's save to the new generation current.

    python benchmarks/capsule_swap.py [--runs 20]

Prints the median (and min/max) over the runs, once with a cold start of each new capsule interpreter and once
with the manager's warm spare (an interpreter that has already imported the MCP SDK). Includes the file
watcher's debounce (50 ms), importing the tool files and the MCP handshake plus tools/list.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from dapper_tui.capsule.init import init_project
from dapper_tui.capsule.runtime import AgentRuntime
from table import print_rows

TOOL = '''\
VERSION = {n}


def version() -> int:
    """The tool file's version."""
    return VERSION
'''


async def measure(warm: bool, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "agent"
        init_project(root)
        tool = root / "src" / "tools" / "bench.py"
        tool.write_text(TOOL.format(n=0))
        samples: list[float] = []
        async with AgentRuntime(root, warm_spare=warm, drain_timeout=5) as rt:
            for n in range(1, runs + 1):
                await asyncio.sleep(
                    1.2 if warm else 0.3
                )  # let the spare finish importing, as between real saves
                revision = rt.revision
                started = time.perf_counter()
                tool.write_text(TOOL.format(n=n))
                await rt.wait_for_revision(revision + 1, timeout=30)
                samples.append((time.perf_counter() - started) * 1000)
                assert rt.surface.generation is not None
                result, _ = await rt.surface.generation.conn.call_tool("version", {})
                assert result == str(n), (result, n)
        return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rows = []
    for label, warm in (("cold interpreter", False), ("warm spare", True)):
        samples = asyncio.run(measure(warm, args.runs))
        rows.append(
            [label, *(f"{v:.0f} ms" for v in (statistics.median(samples), min(samples), max(samples)))]
        )
    print_rows(
        f"Capsule swap, save to the new generation current ({args.runs} runs)",
        ["capsule start", "median", "min", "max"],
        rows,
    )


if __name__ == "__main__":
    main()
