"""A real library's test suite under each debugger, two breakpoints set and never hit, against plain pytest.

    python benchmarks/library_suite.py                    # 3.11, 3.12 and 3.13; 5 interleaved rounds
    python benchmarks/library_suite.py --python 3.12 --runs 3

The suite is toolz 1.2.0's own (the sdist vendored in tests/data: 193 tests, one skipped), run as
`python -m pytest -q -p no:cacheprovider -p dapper_bench_clock toolz` in an unpacked copy, in the benchmark venvs of run.py
(`benchmarks/.env-<version>/`, with pytest added on first use). Each round runs, in this order:

- plain: `python -m pytest ...`;
- pdb: `python -m pdb -c 'b FILE:LINE' -c 'b FILE:LINE' -c c -m pytest ...` (stdin is /dev/null, so pdb
  quits at the prompt it shows when the program ends);
- debugpy: `python -m debugpy --listen PORT --wait-for-client --configure-subProcess false -m pytest ...`,
  then a DAP client attaches to its adapter as an editor does (`initialize`, `attach` with justMyCode,
  `setBreakpoints`, both verified, `configurationDone`). Without `--configure-subProcess false` the suite's
  multiprocessing Pool workers wait for a client to attach to them (`debugpyAttach` events), which this
  client does not do, and the run hangs; dapper-tui does not follow forked children either;
- dapper-tui: `dapper-tui dap --port 0 --once`, then the same client `launch`es `module: "pytest"` with the
  args and cwd, sets the two breakpoints (both verified) and sends `configurationDone`.

The two breakpoints are in toolz/functoolz.py, on lines of functions the suite calls (curry.__reduce__ and
is_arity) in branches it never takes. Every run must report the same pytest counts as the plain run and must
never stop, or the mode is marked failed.

Figures, per mode, both CPU time (user + system, all threads) of the process that runs the suite, because this
machine is shared and its wall clock swings with the load:
- suite CPU: from pytest's session start to its finish, taken by a ten-line plugin (`-p dapper_bench_clock`,
  on PYTHONPATH in every mode), so interpreter and debugger start-up are not in it;
- process CPU: the whole process from spawn to exit, start-up included (for debugpy, its adapter process is
  not counted).
Ratios are the median of the per-round ratios to the plain run of the same round. The session's wall time is
in the --json figures.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from run import INTERPRETERS, _DapClient, ensure_env
from table import print_rows

HERE = Path(__file__).resolve().parent
SDIST = HERE.parent / "tests" / "data" / "toolz-1.2.0.tar.gz"
PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "-p", "dapper_bench_clock", "toolz"]
CLOCK_PLUGIN = """\
import os
import time

_start = []


def pytest_sessionstart(session):
    _start[:] = [time.process_time(), time.perf_counter()]


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["DAPPER_BENCH_CLOCK"], "w") as f:
        f.write(f"{time.process_time() - _start[0]} {time.perf_counter() - _start[1]}")
"""
MODES = ("plain", "pdb", "debugpy", "dapper")
TITLES = {
    "plain": "plain pytest",
    "pdb": "pdb",
    "debugpy": "debugpy",
    "dapper": "dapper-tui dap",
}
COUNT = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?|warnings?|deselected)\b")
CLOSING = re.compile(r" in ([\d.]+)s\b")


Outcome = tuple[dict[str, int], float]  # pytest's counts, process CPU


@dataclass
class Run:
    counts: dict[str, int]
    suite: float  # CPU seconds from pytest's session start to its finish
    cpu: float  # CPU seconds of the process that ran the suite, from spawn to exit
    wall: float  # wall seconds of the session


@dataclass
class Cell:
    runs: list[Run] = field(default_factory=list)
    suite_ratios: list[float] = field(default_factory=list)
    cpu_ratios: list[float] = field(default_factory=list)
    error: str | None = None


def closing_line(output: str) -> dict[str, int]:
    lines = [ln for ln in output.splitlines() if CLOSING.search(ln) and COUNT.search(ln)]
    if not lines:
        raise RuntimeError(f"no pytest closing line in the output:\n{output[-1500:]}")
    return {word.removesuffix("s"): int(n) for n, word in COUNT.findall(lines[-1])}


def never_hit(root: Path) -> list[tuple[str, int]]:
    path = root / "toolz" / "functoolz.py"
    lines = path.read_text().splitlines()
    first = lines.index("            qualname = getattr(func, '__name__', None)") + 1
    guard = lines.index("    if num is None or varargs is None or keywords is None:  # pragma: no cover")
    if lines[guard + 1].strip() != "return None":
        raise SystemExit(f"{path}: not the vendored toolz 1.2.0")
    return [(str(path), first), (str(path), guard + 2)]


TIMEOUT = 120.0  # a run of the suite takes a few seconds; one that takes this long has hung
SPAWNED: list[subprocess.Popen] = []


def spawn(argv: list[str], **kwargs: object) -> subprocess.Popen:
    """The run's process, in a session of its own so that a hung run is ended with all its children."""
    proc = subprocess.Popen(argv, start_new_session=True, **kwargs)  # type: ignore[call-overload]
    proc.deadline = time.monotonic() + TIMEOUT  # type: ignore[attr-defined]
    SPAWNED.append(proc)
    return proc


def end_spawned() -> None:
    """A run leaves nothing behind: not when it failed half-way, nor a child that outlived it."""
    while SPAWNED:
        proc = SPAWNED.pop()
        if proc.returncode is None and proc.poll() is None:
            hung(proc)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def hung(proc: subprocess.Popen) -> RuntimeError:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return RuntimeError(f"hung: no exit within {TIMEOUT:.0f} s")


class Stdout:
    """The run's stdout (a pipe), read on a thread as it comes."""

    def __init__(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        self.proc = proc
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _read(self, pipe: object) -> None:
        fd = pipe.fileno()  # type: ignore[attr-defined]
        while data := os.read(fd, 65536):
            self.chunks.append(data)

    def text(self, grace: float = 10.0) -> str:
        """All of it once every holder of the pipe has closed it (a child of the run may keep it a while)."""
        self.thread.join(grace)
        return b"".join(self.chunks).decode("utf-8", "replace")


def reap(proc: subprocess.Popen) -> tuple[int, float]:
    """Wait for the process; its exit code and CPU time (user + system)."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > proc.deadline:  # type: ignore[attr-defined]
            raise hung(proc)
        time.sleep(0.005)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port: int, proc: subprocess.Popen, timeout: float = 30) -> _DapClient:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _DapClient(port)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port} (exit {proc.poll()})") from None
            time.sleep(0.02)


def set_breakpoints(client: _DapClient, bps: list[tuple[str, int]]) -> None:
    by_file: dict[str, list[int]] = {}
    for path, line in bps:
        by_file.setdefault(path, []).append(line)
    for path, lines in by_file.items():
        r = client.response(
            client.send(
                "setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": n} for n in lines]}
            )
        )
        got = [(b.get("verified"), b.get("line")) for b in r["body"]["breakpoints"]]
        if got != [(True, n) for n in lines]:
            raise RuntimeError(f"breakpoints not accepted as set in {path}: {r['body']}")


def hang_up(client: _DapClient) -> None:
    """Disconnect and close for real (the client's reader holds a file made from the socket)."""
    try:
        client.send("disconnect", {})
        client.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    client.sock.close()


def stops(client: _DapClient) -> list[dict]:
    with client.cv:
        return [m for m in client.messages if m.get("type") == "event" and m.get("event") == "stopped"]


def output_events(client: _DapClient) -> str:
    with client.cv:
        return "".join(
            m["body"].get("output", "")
            for m in client.messages
            if m.get("type") == "event"
            and m.get("event") == "output"
            and m["body"].get("category") != "telemetry"
        )


def run_plain(py: Path, root: Path, bps: list[tuple[str, int]], env: dict[str, str]) -> Outcome:
    proc = spawn([str(py), "-m", "pytest", *PYTEST_ARGS], cwd=root, env=env, stdout=subprocess.PIPE)
    stdout = Stdout(proc)
    _code, cpu = reap(proc)
    return closing_line(stdout.text()), cpu


def run_pdb(py: Path, root: Path, bps: list[tuple[str, int]], env: dict[str, str]) -> Outcome:
    commands = [a for path, line in bps for a in ("-c", f"b {path}:{line}")]
    # 3.13's pdb parses its command line with argparse, which takes the program's options as its own unless
    # they follow "--"; 3.11 and 3.12 (getopt) would hand the "--" to the program.
    dash = ["--"] if python_version(py) >= (3, 13) else []
    proc = spawn(
        [str(py), "-m", "pdb", *commands, "-c", "c", "-m", "pytest", *dash, *PYTEST_ARGS],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    stdout = Stdout(proc)
    _code, cpu = reap(proc)
    out = stdout.text()
    accepted = re.findall(r"^Breakpoint \d+ at (.+):(\d+)$", out, re.M)
    if sorted((p, int(n)) for p, n in accepted) != sorted(bps):
        raise RuntimeError(f"pdb did not take both breakpoints:\n{out[:1500]}")
    if any(f"> {path}(" in out for path, _line in bps):
        raise RuntimeError(f"pdb stopped at a breakpoint:\n{out[-1500:]}")
    return closing_line(out), cpu


def run_debugpy(py: Path, root: Path, bps: list[tuple[str, int]], env: dict[str, str]) -> Outcome:
    port = free_port()
    proc = spawn(
        [
            str(py),
            "-m",
            "debugpy",
            "--listen",
            f"127.0.0.1:{port}",
            "--wait-for-client",
            "--configure-subProcess",
            "false",
            "-m",
            "pytest",
            *PYTEST_ARGS,
        ],
        cwd=root,
        env={**env, "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    stdout = Stdout(proc)
    client = connect(port, proc)
    client.response(
        client.send("initialize", {"adapterID": "python", "clientID": "bench", "pathFormat": "path"})
    )
    client.send("attach", {"justMyCode": True, "subProcess": False})
    client.wait(lambda m: m.get("type") == "event" and m.get("event") == "initialized")
    set_breakpoints(client, bps)
    client.response(client.send("configurationDone"))
    _code, cpu = reap(proc)
    hang_up(client)  # its adapter, which holds the stdout pipe too, ends with the connection
    out = stdout.text()
    if stops(client):
        raise RuntimeError(f"debugpy stopped: {stops(client)}")
    return closing_line(out), cpu


def run_dapper(py: Path, root: Path, bps: list[tuple[str, int]], env: dict[str, str]) -> Outcome:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the server's stderr, read for its port
    proc = spawn(
        [str(py.parent / "dapper-tui"), "dap", "--port", "0", "--once", "--no-token"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    m = None
    while m is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
        log.seek(0)
        m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", log.read())
    if m is None:
        proc.kill()
        log.seek(0)
        raise RuntimeError(f"dapper-tui dap announced no port: {log.read()[-800:]!r}")
    client = connect(int(m.group(1)), proc)
    client.response(
        client.send("initialize", {"adapterID": "dapper", "clientID": "bench", "pathFormat": "path"})
    )
    client.wait(lambda m: m.get("type") == "event" and m.get("event") == "initialized")
    client.response(client.send("launch", {"module": "pytest", "args": PYTEST_ARGS, "cwd": str(root)}))
    set_breakpoints(client, bps)
    client.response(client.send("configurationDone"))
    while True:
        if stops(client):
            raise RuntimeError(f"dapper-tui stopped: {stops(client)}")
        try:
            exited = client.wait(
                lambda m: m.get("type") == "event" and m.get("event") == "exited", timeout=0.2
            )
            break
        except TimeoutError:
            if time.monotonic() > proc.deadline:  # type: ignore[attr-defined]
                raise hung(proc) from None
    out = output_events(client)
    hang_up(client)
    _code, cpu = reap(proc)
    if exited["body"].get("exitCode") != 0:
        raise RuntimeError(f"the suite exited with {exited['body']} under dapper-tui:\n{out[-1500:]}")
    return closing_line(out), cpu


def measure(runner: Callable[..., Outcome], py: Path, root: Path, bps: list, env: dict[str, str]) -> Run:
    clock = root.parent / "clock"
    clock.unlink(missing_ok=True)
    counts, cpu = runner(
        py, root, bps, {**env, "DAPPER_BENCH_CLOCK": str(clock), "PYTHONPATH": str(root.parent)}
    )
    if not clock.exists():
        raise RuntimeError("the session clock plugin wrote nothing")
    suite, wall = map(float, clock.read_text().split())
    return Run(counts, suite, cpu, wall)


RUNNERS = {"plain": run_plain, "pdb": run_pdb, "debugpy": run_debugpy, "dapper": run_dapper}


def ensure_suite_env(version: str) -> Path | None:
    py = ensure_env(version)
    if py is None:
        return None
    if subprocess.run([str(py), "-c", "import pytest"], capture_output=True).returncode != 0:
        print(f"[{version}] installing pytest into {py.parent.parent} ...", file=sys.stderr)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "pytest"], check=True)
    return py


@functools.cache
def python_version(py: Path) -> tuple[int, int]:
    out = subprocess.run(
        [str(py), "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True
    )
    major, minor = out.stdout.split()
    return int(major), int(minor)


def has_debugpy(py: Path) -> bool:
    return subprocess.run([str(py), "-c", "import debugpy"], capture_output=True).returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default="all", help="3.11, 3.12, 3.13, a comma list, or all (default)")
    ap.add_argument("--runs", type=int, default=5, help="interleaved rounds (default 5), after one warm-up")
    ap.add_argument("--modes", default=",".join(MODES), help="comma list of: " + ", ".join(MODES))
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument(
        "--markdown", action="store_true", help="print the table as Markdown, to paste into a README"
    )
    args = ap.parse_args()
    versions = list(INTERPRETERS) if args.python == "all" else args.python.split(",")
    modes = ["plain", *(m for m in args.modes.split(",") if m and m != "plain")]
    unknown = [m for m in modes if m not in RUNNERS] + [v for v in versions if v not in INTERPRETERS]
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if unknown:
        ap.error(
            f"unknown mode or version: {', '.join(unknown)} (modes: {', '.join(MODES)}; versions: "
            f"{', '.join(INTERPRETERS)})"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PYTEST_"))}
    results: dict[str, dict[str, Cell]] = {}
    notes: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="dapper-bench-suite-"))
    try:
        with tarfile.open(SDIST) as tar:
            tar.extractall(work, filter="data")
        root = work / "toolz-1.2.0"
        (work / "dapper_bench_clock.py").write_text(CLOCK_PLUGIN)
        bps = never_hit(root)
        for version in versions:
            py = ensure_suite_env(version)
            if py is None:
                continue
            cells = results[version] = {m: Cell() for m in modes}
            if "debugpy" in modes and not has_debugpy(py):
                cells["debugpy"].error = "skipped: debugpy is not installed"
                notes.append(f"{version}: debugpy is not installed in {py.parent.parent}; its row is skipped")
            for r in range(args.runs + 1):  # round 0 warms the bytecode caches and is not counted
                plain: Run | None = None
                for mode in modes:
                    cell = cells[mode]
                    if cell.error:
                        continue
                    try:
                        run = measure(RUNNERS[mode], py, root, bps, env)
                        if plain is not None and run.counts != plain.counts:
                            raise RuntimeError(f"counts {run.counts}, plain pytest {plain.counts}")
                    except Exception as exc:
                        cell.error = f"{'hung' if str(exc).startswith('hung') else 'failed'}: {exc}"
                        print(f"[{version} {mode}] {exc}", file=sys.stderr)
                        continue
                    finally:
                        end_spawned()
                    if mode == "plain":
                        plain = run
                    if r == 0:
                        continue
                    cell.runs.append(run)
                    if mode != "plain" and plain is not None:
                        cell.suite_ratios.append(run.suite / plain.suite)
                        cell.cpu_ratios.append(run.cpu / plain.cpu)
                if r:
                    print(
                        f"[{version}] round {r}/{args.runs} (suite CPU/process CPU): "
                        + ", ".join(
                            f"{m} {cells[m].runs[-1].suite:.2f}/{cells[m].runs[-1].cpu:.2f}s"
                            for m in modes
                            if cells[m].runs
                        ),
                        file=sys.stderr,
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results, modes, args.runs, args.markdown)
    for note in notes:
        print(f"- {note}")
    if args.json:
        raw = {
            v: {m: {**vars(c), "runs": [vars(r) for r in c.runs]} for m, c in cs.items()}
            for v, cs in results.items()
        }
        Path(args.json).write_text(json.dumps(raw, indent=1))


def print_table(results: dict[str, dict[str, Cell]], modes: list[str], runs: int, markdown: bool) -> None:
    versions = list(results)
    rows: list[list[str]] = []
    for mode in modes:
        for measure in ("suite", "cpu"):
            cells = []
            for v in versions:
                cell = results[v][mode]
                if cell.error:
                    cells.append(cell.error.split(":")[0])
                elif mode == "plain":
                    cells.append(f"{statistics.median(getattr(r, measure) for r in cell.runs):.2f} s")
                elif not getattr(cell, measure + "_ratios"):
                    cells.append("-")
                else:
                    cells.append(f"{statistics.median(getattr(cell, measure + '_ratios')):.2f}x")
            what = (
                "suite CPU (session start to end)" if measure == "suite" else "process CPU, start-up included"
            )
            rows.append([TITLES[mode], what, *cells])
    print()
    print_rows(
        "toolz 1.2.0's test suite (193 tests), two breakpoints set and never hit: median of "
        f"{runs} interleaved rounds; ratios are per round, against plain pytest",
        ["debugger", "measure", *versions],
        rows,
        markdown=markdown,
    )
    counts = {v: next((c.runs[0].counts for c in cs.values() if c.runs), {}) for v, cs in results.items()}
    print()
    for v, c in counts.items():
        print(f"- {v}: every counted run reported " + ", ".join(f"{n} {k}" for k, n in c.items()))


if __name__ == "__main__":
    main()
