"""Startup to first paint of the full-screen debugger.

    python benchmarks/startup.py [--runs N] [--python PATH]

Launches the installed `dapper-tui examples/shop_demo.py` in a real terminal (a detached tmux session, 160x45)
N times and prints a table: the time from just before the process is spawned to the app's first paint (the app
writes the moment of its first refresh to $DAPPER_TUI_FIRST_PAINT_FILE), and, for reference, a bare
`python -c pass` start on the same interpreter.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from table import print_rows

ROOT = Path(__file__).resolve().parents[1]


def _tmux(socket: str, conf: Path, *args: str) -> None:
    subprocess.run(["tmux", "-L", socket, "-f", str(conf), *args], capture_output=True, check=False)


def first_paint(command: Path | str, work: Path) -> float:
    probe = work / f"paint-{uuid.uuid4().hex[:6]}"
    socket = f"dapper-bench-{uuid.uuid4().hex[:8]}"
    conf = work / "tmux.conf"
    conf.write_text("set -g default-size 160x45\nset -g status off\n")
    env = f"env -u COLUMNS -u LINES XDG_STATE_HOME={work / 'state'} DAPPER_TUI_FIRST_PAINT_FILE={probe}"
    if isinstance(command, str):  # a bare interpreter that only writes the probe: tmux's own overhead
        argv = f'{env} {command} -c \'import os, time; open(os.environ["DAPPER_TUI_FIRST_PAINT_FILE"], "w").write(repr(time.time()))\''
    else:
        argv = f"{env} {command} {ROOT / 'examples' / 'shop_demo.py'}"
    start = time.time()
    _tmux(socket, conf, "new-session", "-d", "-x", "160", "-y", "45", argv)
    try:
        deadline = time.monotonic() + 20
        while not probe.exists() or not probe.read_text():
            if time.monotonic() > deadline:
                raise SystemExit("the app did not paint within 20 s")
            time.sleep(0.005)
        return float(probe.read_text()) - start
    finally:
        _tmux(socket, conf, "kill-server")


def bare_python(python: str) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", "pass"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose dapper-tui to time")
    ns = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (it gives the app a real terminal)")
    command = Path(ns.python).parent / "dapper-tui"
    if not command.exists():
        raise SystemExit(f"{command} is not installed (pip install -e .)")
    work = Path(tempfile.mkdtemp(prefix="dapper-startup-"))
    try:
        first_paint(command, work)  # warm the file cache and the bytecode
        paints = [first_paint(command, work) for _ in range(ns.runs)]
        bare = [bare_python(ns.python) for _ in range(ns.runs)]
        spawn = [first_paint(ns.python, work) for _ in range(ns.runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    version = subprocess.run([ns.python, "-V"], capture_output=True, text=True).stdout.strip()
    rows = (
        ("dapper-tui shop_demo.py: start to first paint", paints),
        ("python -c pass", bare),
        ("python -c (probe only) via tmux: the baseline", spawn),
    )
    print_rows(
        f"Startup to first paint ({version}, {ns.runs} runs)",
        ["measure", "median", "min", "max"],
        [
            [name, *(f"{v * 1000:.0f} ms" for v in (statistics.median(vs), min(vs), max(vs)))]
            for name, vs in rows
        ],
    )


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    main()
