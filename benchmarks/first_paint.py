"""First paint only, next to pudb in the same run: p50 and p95 over `--runs`, and the CPU time to it.

    python benchmarks/first_paint.py [--runs 15] [--python 3.12] [--socket NAME]

The measure is `responsiveness.py`'s first-paint row (same venv, program, 100x30 tmux terminal, same marks):
the clock starts just before the tmux session is started, and stops at the first `capture-pane` that shows the
panes (ours: the "Call stack" and "Variables" borders; pudb: its "Variables:" and "Stack:" titles), then at the
first that shows line 1 as current. The two debuggers take turns, run by run, so both see the same load; one
unmeasured run of each comes first (file cache, bytecode). CPU is the user + system time of the pane's process
and its children when the panes showed (`/proc`): on a shared machine wall time carries others' load, CPU much
less. The floor is the same start and polling around `sh -c 'echo READY'`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interpreters import INTERPRETERS  # noqa: E402
from responsiveness import PUDB_CFG, SIZE, Debugger, Terminal, debuggers, venv, version_of  # noqa: E402
from tui_perf import _step_program, pct  # noqa: E402

ECHO = "sh -c 'echo READY; sleep 60'"


def paint_once(term: Terminal, dbg: Debugger | None) -> dict[str, float]:
    """One start: seconds until the panes show and until line 1 is current, and the CPU used by then."""
    for _ in range(5):
        start = time.perf_counter()
        # new-session right after the last run's kill-server sometimes meets the dying server ("server exited
        # unexpectedly") and no session starts: then start again, and time from that start
        term.tmux("new-session", "-d", "-x", str(SIZE[0]), "-y", str(SIZE[1]), dbg.launch if dbg else ECHO)
        if term.tmux("has-session").returncode == 0:
            break
        time.sleep(0.2)
    try:
        if dbg is None:
            term.wait(lambda s: "READY" in s, "echo")
            t = time.perf_counter() - start
            return {"panes": t, "line": t, "cpu": 0.0}
        term.wait(dbg.panes, f"{dbg.name}: the panes")
        panes = time.perf_counter() - start
        cpu = term.cpu()
        term.wait(lambda s: dbg.line(s) == 1, f"{dbg.name}: line 1 current")
        return {"panes": panes, "line": time.perf_counter() - start, "cpu": cpu}
    finally:
        term.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="measured runs per debugger")
    parser.add_argument("--python", default="3.12", choices=sorted(INTERPRETERS), help="the venv's version")
    parser.add_argument("--socket", default="dapper-first-paint", help="the tmux server's name (-L)")
    parser.add_argument("--ours-only", action="store_true", help="skip pudb")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=COMMAND",
        help="another dapper-tui command to time beside the installed one (e.g. a checkout of another commit:"
        " `base=env PYTHONPATH=DIR python -m dapper_tui`); the program's path is appended",
    )
    ns = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (it gives the debuggers a real terminal)")
    python = venv(ns.python)
    work = Path(tempfile.mkdtemp(prefix="dapper-first-paint-"))
    (work / "stepping.py").write_text(_step_program())  # as responsiveness.py's (without its breakpoint())
    (work / "config" / "pudb").mkdir(parents=True)
    (work / "config" / "pudb" / "pudb.cfg").write_text(PUDB_CFG)
    # Timed as an installed package starts: with its bytecode cached (pip compiles it at install). The tmux
    # server takes this process's environment, and PYTHONDONTWRITEBYTECODE=1 there would make a checkout that
    # was never run compile every module at every start.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    term = Terminal(ns.socket)
    dbgs = debuggers(python, work)
    if ns.ours_only:
        dbgs = dbgs[:1]
    program = work / "stepping.py"
    env = dbgs[0].launch.removesuffix(f" {python.parent / 'dapper-tui'} {program}")  # responsiveness's env
    for variant in ns.variant:
        name, _, command = variant.partition("=")
        dbgs.append(dataclasses.replace(dbgs[0], name=name, launch=f"{env} {command} {program}"))
    load = os.getloadavg()[0]
    runs: list[tuple[str, Debugger | None]] = [(d.name, d) for d in dbgs] + [("floor (echo)", None)]
    results: dict[str, dict[str, list[float]]] = {
        name: {"panes": [], "line": [], "cpu": []} for name, _ in runs
    }
    try:
        for _, d in runs:
            paint_once(term, d)  # warm-up: file cache, bytecode
        for _ in range(ns.runs):
            for name, d in runs:
                for key, value in paint_once(term, d).items():
                    results[name][key].append(value)
    finally:
        term.stop()
    print(
        f"First paint, {ns.runs} runs each (taking turns), Python {ns.python}, tmux {SIZE[0]}x{SIZE[1]}, "
        f"load {load:.2f} -> {os.getloadavg()[0]:.2f}; dapper-tui {version_of(python, 'dapper-tui')}, "
        f"pudb {version_of(python, 'pudb')}"
    )
    print(f"{'':14} {'panes p50':>10} {'p95':>7} {'line 1 p50':>11} {'p95':>7} {'CPU p50':>8} {'p95':>7}")
    for name, r in results.items():
        print(
            f"{name:14} {pct(r['panes'], 0.5) * 1000:8.0f}ms {pct(r['panes'], 0.95) * 1000:5.0f}ms "
            f"{pct(r['line'], 0.5) * 1000:9.0f}ms {pct(r['line'], 0.95) * 1000:5.0f}ms "
            f"{pct(r['cpu'], 0.5) * 1000:6.0f}ms {pct(r['cpu'], 0.95) * 1000:5.0f}ms"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
