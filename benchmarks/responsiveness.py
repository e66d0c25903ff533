"""Responsiveness next to pudb, in the same run: a step to the new screen, and first paint, in a real terminal.

    python benchmarks/responsiveness.py [--steps 60] [--runs 5] [--python 3.12] [--socket NAME]

Any Python 3 runs the command; both debuggers run in the benchmark venv of `--python`,
`benchmarks/.env-<version>/` (made as `run.py` makes it: the repo installed with `pip install -e`), into
which pudb is installed on first use (`pip install pudb`). Prints one table, pudb's figure beside ours, and
the machine's load; takes about two minutes.

The program is the 200-line file of `tui_perf.py`'s step row: a function with 20 locals and a loop, then
filler functions; here with `breakpoint()` before the loop. The terminal is a detached tmux session of 100x30
on its own server (`tmux -L NAME`, default `dapper-responsiveness`), polled with `tmux capture-pane -p`.

- **Step.** Ours: `dapper-tui --no-stop-on-entry stepping.py` (it stops at `breakpoint()`), F10 to step.
  pudb: `PYTHONBREAKPOINT=pudb.set_trace python stepping.py` (pudb's own way to stop there), `n` to step.
  Each step: the clock starts just before `tmux send-keys`, and stops at the first capture whose current line
  (ours: the line number before `▶`; pudb: the line after `>` in the first column) differs from the one
  before. Then 0.25 s untimed for the screen to settle (the rest of the panes), the same for both. The
  loop's three lines are stepped through `--steps` times; the p95 and median are given.
- **Floor.** The same `send-keys` (of no key) and one `capture-pane` with its parse, timed the same way: what
  any answer costs in this harness, however fast the debugger. "net" figures have the floor's median taken off.
- **CPU per step.** User + system CPU time of the debugger's processes (the tmux pane's process and its
  children, `/proc`) over all the steps, divided by their number: on a shared machine the wall time carries
  other processes' load, the CPU time much less.
- **First paint.** From just before the tmux session is started until the panes show (ours: the "Call
  stack" and "Variables" borders; pudb: its "Variables:" and "Stack:" titles) and until the program's first
  line is shown as current (both stop on entry: `dapper-tui stepping.py`, `python -m pudb stepping.py`).
  Median of `--runs`, after one unmeasured run of each (file cache, bytecode). The floor here is the same
  start and polling of `sh -c 'echo READY'`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interpreters import INTERPRETERS  # noqa: E402
from tui_perf import Table, _step_program, pct  # noqa: E402

SIZE = (100, 30)
SETTLE = 0.25
PUDB_CFG = "[pudb]\nseen_welcome = e999\nline_numbers = True\nprompt_on_quit = False\n"
OURS_LINE = re.compile(r"(\d+) ▶")
PUDB_LINE = re.compile(r"^>\s*(\d+) ", re.M)


# -- the terminal --------------------------------------------------------------------------------------------
class Terminal:
    """A tmux server of its own with one detached session: start a command, send keys, read the screen."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True
        )

    def start(self, command: str) -> None:
        self.tmux("kill-server")
        self.tmux("new-session", "-d", "-x", str(SIZE[0]), "-y", str(SIZE[1]), command)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p").stdout

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", *keys)

    def stop(self) -> None:
        self.tmux("kill-server")

    def cpu(self) -> float:
        """CPU seconds used so far by the pane's process and its children."""
        pid = self.tmux("list-panes", "-F", "#{pane_pid}").stdout.strip()
        if not pid:
            return 0.0
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if stat.parent.name == pid or fields[1] == pid:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def wait(self, test: Callable[[str], bool], what: str, timeout: float = 30.0) -> float:
        """Poll until `test(screen)`; seconds it took."""
        start = time.perf_counter()
        while True:
            screen = self.screen()
            if test(screen):
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"{what}: not on screen within {timeout:.0f} s\n{screen}")
            time.sleep(0.002)


@dataclass
class Debugger:
    name: str
    launch: str  # start, stopped on the program's first line
    step_launch: str  # start, stopped at the program's breakpoint()
    step_key: str
    current: re.Pattern[str]
    panes: Callable[[str], bool]

    def line(self, screen: str) -> int | None:
        found = self.current.search(screen)
        return int(found.group(1)) if found else None


def debuggers(python: Path, work: Path) -> list[Debugger]:
    program = work / "stepping.py"
    env = f"env -u COLUMNS -u LINES XDG_STATE_HOME={work / 'state'} XDG_CONFIG_HOME={work / 'config'}"
    ours = python.parent / "dapper-tui"
    return [
        Debugger(
            "dapper-tui",
            f"{env} {ours} {program}",
            f"{env} {ours} --no-stop-on-entry {program}",
            "F10",
            OURS_LINE,
            lambda s: "Call stack" in s and "Variables" in s,
        ),
        Debugger(
            "pudb",
            f"{env} {python} -m pudb {program}",
            f"{env} PYTHONBREAKPOINT=pudb.set_trace {python} {program}",
            "n",
            PUDB_LINE,
            lambda s: "Variables:" in s and "Stack:" in s,
        ),
    ]


# -- measures ------------------------------------------------------------------------------------------------
def steps(term: Terminal, dbg: Debugger, count: int) -> tuple[list[float], float]:
    """Seconds from send-keys to the new current line, per step; CPU seconds per step."""
    term.start(dbg.step_launch)
    try:
        term.wait(lambda s: dbg.line(s) is not None and "total = 0" in s, f"{dbg.name}: the stop")
        time.sleep(1.0)  # the first stop's panes fill in
        times: list[float] = []
        cpu0 = term.cpu()
        for _ in range(count):
            before = dbg.line(term.screen())
            start = time.perf_counter()
            term.send(dbg.step_key)
            while True:
                now = dbg.line(term.screen())
                if now is not None and now != before:
                    break
                if time.perf_counter() - start > 30:
                    raise SystemExit(f"{dbg.name}: a step did not show within 30 s\n{term.screen()}")
            times.append(time.perf_counter() - start)
            time.sleep(SETTLE)
        cpu = (term.cpu() - cpu0) / count
    finally:
        term.stop()
    return times, cpu


def floor(term: Terminal, count: int) -> list[float]:
    """send-keys (of no key) and one capture with its parse, around an unchanged screen."""
    term.start("sh -c 'echo READY; sleep 60'")
    try:
        term.wait(lambda s: "READY" in s, "the floor's shell")
        out = []
        for _ in range(count):
            start = time.perf_counter()
            term.send("")
            OURS_LINE.search(term.screen())
            out.append(time.perf_counter() - start)
            time.sleep(0.02)
    finally:
        term.stop()
    return out


def first_paint(term: Terminal, dbg: Debugger | None, runs: int) -> dict[str, list[float]]:
    """Seconds from the start until the panes show and until line 1 is current (median of `runs`)."""
    out: dict[str, list[float]] = {"panes": [], "line": [], "panes cpu": [], "line cpu": []}
    for run in range(runs + 1):
        start = time.perf_counter()
        if dbg is None:
            term.start("sh -c 'echo READY; sleep 60'")
        else:
            term.start(dbg.launch)
        try:
            if dbg is None:
                term.wait(lambda s: "READY" in s, "echo")
                panes = line = time.perf_counter() - start
            else:
                term.wait(dbg.panes, f"{dbg.name}: the panes")
                panes = time.perf_counter() - start
                out["panes cpu"].append(term.cpu())
                term.wait(lambda s: dbg.line(s) == 1, f"{dbg.name}: line 1 current")
                line = time.perf_counter() - start
                out["line cpu"].append(term.cpu())
        finally:
            term.stop()
        if run:  # the first is the warm-up
            out["panes"].append(panes)
            out["line"].append(line)
        else:
            out["panes cpu"].clear()
            out["line cpu"].clear()
    return out


# -- the venv ------------------------------------------------------------------------------------------------
def venv(version: str) -> Path:
    from run import ensure_env

    python = ensure_env(version)
    if python is None:
        raise SystemExit(f"no Python {version} on this machine")
    if subprocess.run([str(python), "-c", "import pudb"], capture_output=True).returncode:
        print(f"installing pudb into {python.parent.parent} ...", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pudb"], check=True)
    return python


def version_of(python: Path, module: str) -> str:
    code = f"from importlib.metadata import version; print(version({module!r}))"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()


# -- main ----------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=60, help="timed steps per debugger")
    parser.add_argument("--runs", type=int, default=5, help="first-paint runs per debugger (median)")
    parser.add_argument("--python", default="3.12", choices=sorted(INTERPRETERS), help="the venv's version")
    parser.add_argument("--socket", default="dapper-responsiveness", help="the tmux server's name (-L)")
    ns = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (it gives the debuggers a real terminal)")
    python = venv(ns.python)
    work = Path(tempfile.mkdtemp(prefix="dapper-responsiveness-"))
    term = Terminal(ns.socket)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        text = _step_program().replace("    total = 0\n", "    total = 0\n    breakpoint()\n", 1)
        (work / "stepping.py").write_text(text)
        (work / "config" / "pudb").mkdir(parents=True)
        (work / "config" / "pudb" / "pudb.cfg").write_text(PUDB_CFG)  # no first-run welcome screen
        dbgs = debuggers(python, work)
        base = floor(term, ns.steps)
        stepped = {d.name: steps(term, d, ns.steps) for d in dbgs}
        painted = {d.name: first_paint(term, d, ns.runs) for d in dbgs}
        echo = first_paint(term, None, ns.runs)
    finally:
        term.stop()
        shutil.rmtree(work, ignore_errors=True)

    f = statistics.median(base) * 1000
    table = Table()
    for d in dbgs:
        times = [t * 1000 for t in stepped[d.name][0]]
        p95 = pct(times, 0.95)
        label = f"{d.name}: step ({d.step_key}) to the new screen, p95 of {ns.steps}"
        shown = (
            f"{p95:.0f} ms (net {p95 - f:.0f}; median {statistics.median(times):.0f}, max {max(times):.0f})"
        )
        if d.name == "dapper-tui":
            table.check(label, p95 - f, 30, "ms", shown)
        else:
            table.add(label, "-", shown, "pudb")
        table.add(f"  {d.name}: CPU per step (mean)", "-", f"{stepped[d.name][1] * 1000:.0f} ms", "info")
    table.add(
        "floor: send-keys + one capture (median)",
        "-",
        f"{f:.0f} ms (p95 {pct(base, 0.95) * 1000:.0f})",
        "info",
    )
    e = statistics.median(echo["line"])
    for d in dbgs:
        got = {k: statistics.median(v) for k, v in painted[d.name].items()}
        label = f"{d.name}: first paint, panes on screen (median of {ns.runs})"
        shown = f"{got['panes']:.3f} s (line 1 current: {got['line']:.3f} s)"
        if d.name == "dapper-tui":
            table.check(label, got["panes"], 0.5, "s", shown)
        else:
            table.add(label, "-", shown, "pudb")
        cpu = f"{got['panes cpu']:.2f} s (line 1 current: {got['line cpu']:.2f} s)"
        table.add(f"  {d.name}: CPU time used until then", "-", cpu, "info")
    table.add("floor: tmux start + polling of `echo` (median)", "-", f"{e:.3f} s", "info")
    table.print(
        f"Responsiveness, dapper-tui {version_of(python, 'dapper-tui')} and pudb {version_of(python, 'pudb')} "
        f"in one run: Python {ns.python}, {os.cpu_count()} CPUs, load {load_before:.1f} -> "
        f"{os.getloadavg()[0]:.1f}, terminal {SIZE[0]}x{SIZE[1]} (tmux), {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
