"""Benchmarks: what a debugger with two breakpoints that are never hit costs, against plain Python and the anchors.

    python benchmarks/run.py                      # 3.11, 3.12 and 3.13, 5 interleaved runs, prints the table
    python benchmarks/run.py --python 3.12 --runs 3 --quick

Each measurement is a fresh subprocess of the interpreter under test, in the benchmark's own venv
(`benchmarks/.env-<version>/`, created on first use with the repo and debugpy installed). The workload times
itself around its work and hands the figure back, so start-up of the debugger is not counted (except in the
start-up workload, where the imports *are* the work). Runs are interleaved (plain, settrace, pdb, debugpy,
ours, plain, ...); the table gives the median of the per-pair ratios (each run against the plain run of the
same round) and the median plain time. See benchmarks/README.md for how each debugger is driven.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

from interpreters import INTERPRETERS
from table import print_rows

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKLOADS = HERE / "workloads"
MODES = ("plain", "settrace", "pdb", "debugpy", "ours")
MODE_TITLES = {
    "plain": "plain Python",
    "settrace": "bare sys.settrace (floor of any settrace design)",
    "pdb": "pdb",
    "debugpy": "debugpy",
    "ours": "dapper-tui engine",
}
WORKLOAD_FILES = {
    "call-heavy": "callheavy.py",
    "loop-heavy": "loopheavy.py",
    "start-up": "startup.py",
}
BP_MARKER = "# BENCH-BP"


# ---------------------------------------------------------------------------------------------------------
# The child: one measurement in a fresh interpreter.
# ---------------------------------------------------------------------------------------------------------
def _program_code(script: str) -> tuple[object, dict[str, object]]:
    import builtins
    import types

    sys.argv[:] = [script]
    sys.path.insert(0, os.path.dirname(script))
    with open(script, "rb") as f:
        code = compile(f.read(), script, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update({"__file__": script, "__builtins__": builtins, "__spec__": None})
    sys.modules["__main__"] = main
    return code, main.__dict__


def _child_plain(script: str, bps: list[tuple[str, int]]) -> None:
    code, g = _program_code(script)
    exec(code, g)  # type: ignore[arg-type]


def _child_settrace(script: str, bps: list[tuple[str, int]]) -> None:
    code, g = _program_code(script)

    def tracer(frame: object, event: str, arg: object) -> None:
        return None

    sys.settrace(tracer)
    try:
        exec(code, g)  # type: ignore[arg-type]
    finally:
        sys.settrace(None)


def _child_pdb(script: str, bps: list[tuple[str, int]]) -> None:
    import io
    import pdb

    code, g = _program_code(script)
    # No terminal: pdb stops once at the first line, reads "continue" from this stdin, and runs on with its
    # breakpoints set (bdb keeps its settrace tracer on while breakpoints exist).
    p = pdb.Pdb(stdin=io.StringIO("continue\n"), stdout=io.StringIO(), readrc=False)
    for path, line in bps:
        err = p.set_break(path, line)
        if err:
            raise SystemExit(f"pdb: {err}")
    p.run(code, g)  # type: ignore[arg-type]


class _DapClient:
    """The smallest DAP client: enough to attach to debugpy and set breakpoints, like an editor does."""

    def __init__(self, port: int) -> None:
        import socket
        import threading

        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        self.seq = 0
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.cv = threading.Condition()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self) -> None:
        while True:
            length = 0
            while True:
                line = self.file.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(self.file.read(length))
            with self.cv:
                self.messages.append(msg)
                self.cv.notify_all()

    def send(self, command: str, arguments: dict | None = None) -> int:
        with self.lock:
            self.seq += 1
            body = json.dumps(
                {"seq": self.seq, "type": "request", "command": command, "arguments": arguments or {}}
            ).encode()
            self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            return self.seq

    def wait(self, pred, timeout: float = 30.0) -> dict:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for m in self.messages:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("debugpy did not answer")
                self.cv.wait(left)

    def response(self, seq: int) -> dict:
        m = self.wait(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)
        if not m.get("success"):
            raise RuntimeError(f"debugpy refused {m.get('command')}: {m.get('message')}")
        return m


def _child_debugpy(script: str, bps: list[tuple[str, int]]) -> None:
    import threading

    import debugpy

    _host, port = debugpy.listen(("127.0.0.1", 0))
    ready = threading.Event()
    problem: list[BaseException] = []

    def client() -> None:
        try:
            c = _DapClient(port)
            c.response(
                c.send("initialize", {"adapterID": "python", "clientID": "bench", "pathFormat": "path"})
            )
            c.send("attach", {"justMyCode": True, "subProcess": False})
            c.wait(lambda m: m.get("type") == "event" and m.get("event") == "initialized")
            by_file: dict[str, list[int]] = {}
            for path, line in bps:
                by_file.setdefault(path, []).append(line)
            for path, lines in by_file.items():
                r = c.response(
                    c.send(
                        "setBreakpoints",
                        {"source": {"path": path}, "breakpoints": [{"line": n} for n in lines]},
                    )
                )
                if not all(b.get("verified") for b in r["body"]["breakpoints"]):
                    raise RuntimeError(f"debugpy did not verify breakpoints in {path}: {r['body']}")
            c.response(c.send("configurationDone"))
            ready.set()
        except BaseException as exc:
            problem.append(exc)
            ready.set()

    threading.Thread(target=client, daemon=True).start()
    debugpy.wait_for_client()
    ready.wait(60)
    if problem:
        raise problem[0]
    code, g = _program_code(script)
    exec(code, g)  # type: ignore[arg-type]


def _child_ours(script: str, bps: list[tuple[str, int]]) -> None:
    import queue

    from dapper_tui.engine.events import Exited, Output, Stopped
    from dapper_tui.engine.launch import LaunchTarget
    from dapper_tui.engine.session import DebugSession

    events: queue.Queue = queue.Queue()
    session = DebugSession(events.put)
    by_file: dict[str, list[int]] = {}
    for path, line in bps:
        by_file.setdefault(path, []).append(line)
    for path, lines in by_file.items():
        for bp in session.set_breakpoints(path, lines):
            if not bp.verified:
                raise SystemExit(f"ours: breakpoint not verified: {bp}")
    session.launch(LaunchTarget(program=script))
    errors = []
    while True:
        ev = events.get(timeout=600)
        if isinstance(ev, Stopped):
            raise SystemExit(f"ours: unexpected stop {ev}")
        if isinstance(ev, Output) and ev.category == "stderr":
            errors.append(ev.text)
        if isinstance(ev, Exited):
            if ev.exit_code != 0:
                raise SystemExit(f"ours: program exited with {ev.exit_code}: {''.join(errors)}")
            break
    session.close()


def _child_reload(out: str) -> None:
    """Reload a 50-line and a 2,000-line module 20 times each (median), then RSS growth over 100 reloads, then
    the whole `DebugSession.reload` call with a breakpoint in the edited file and a big heap (reload_speed.py)."""
    try:
        from dapper_tui.engine import hotreload
    except ImportError as exc:
        Path(out).write_text(json.dumps({"skip": f"dapper_tui.engine.hotreload: {exc}"}))
        return
    reload_file = getattr(hotreload, "reload_file", None)
    if reload_file is None:
        Path(out).write_text(json.dumps({"skip": "dapper_tui.engine.hotreload.reload_file is missing"}))
        return
    import importlib

    tmp = Path(tempfile.mkdtemp(prefix="dapper-bench-reload-"))
    sys.path.insert(0, str(tmp))
    result: dict[str, object] = {}

    def do_reload(path: Path) -> None:
        try:
            r = reload_file(str(path))
        except TypeError:
            r = reload_file(str(path), hotreload.ReloadOptions())
        if not getattr(r, "ok", True):
            raise RuntimeError(f"reload failed: {r}")

    try:
        for lines in (50, 2000):
            name = f"reload_mod_{lines}"
            path = tmp / f"{name}.py"
            path.write_text(_reload_module_source(lines, 0))
            importlib.import_module(name)
            times: list[float] = []
            for i in range(1, 21):
                path.write_text(_reload_module_source(lines, i))
                t0 = time.perf_counter()
                do_reload(path)
                times.append(time.perf_counter() - t0)
                if sum(times) > 20:  # a slow reload: a few samples say enough
                    break
            result[f"reload_{lines}"] = statistics.median(times)
            result[f"reload_{lines}_n"] = len(times)
        path = tmp / "reload_mod_50.py"
        # warm up first (indexes, caches), then measure the growth over 100 more reloads
        for i in range(21, 31):
            path.write_text(_reload_module_source(50, i))
            do_reload(path)
        import gc

        gc.collect()
        rss0 = _rss()
        for i in range(31, 131):
            path.write_text(_reload_module_source(50, i))
            do_reload(path)
        gc.collect()
        result["rss_growth_100"] = _rss() - rss0
    except Exception as exc:
        result = {"skip": f"reload failed: {exc!r}"}
    else:
        # last, since its program leaves a big heap behind: the whole DebugSession.reload call with a breakpoint
        # in the edited file and 1.5M GC-tracked objects alive (a heap scan on that path shows here)
        try:
            sys.path.insert(0, str(HERE))
            from reload_speed import session_reload

            wall, reported = session_reload(tmp)
            result["session_reload"] = wall
            result["session_reload_reported"] = reported
        except Exception as exc:
            result["session_reload_skip"] = f"session.reload row failed: {exc!r}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    Path(out).write_text(json.dumps(result))


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reload_module_source(lines: int, version: int) -> str:
    """A module of about `lines` lines of functions and a class; each `version` edits one function's body."""
    out = ["from __future__ import annotations", "", "VERSION = 1", ""]
    i = 0
    while len(out) < lines - 8:
        out += [
            f"def func_{i}(x: int) -> int:",
            f"    y = x * {i % 7 + (version if i == 0 else 0)}",
            "    if y > 100:",
            "        y -= 3",
            "    return y + VERSION",
            "",
        ]
        i += 1
    out += [
        "class Thing:",
        "    def __init__(self) -> None:",
        "        self.v = 0",
        "",
        "    def get(self) -> int:",
        "        return self.v + VERSION",
    ]
    return "\n".join(out) + "\n"


CHILDREN = {
    "plain": _child_plain,
    "settrace": _child_settrace,
    "pdb": _child_pdb,
    "debugpy": _child_debugpy,
    "ours": _child_ours,
}


def child_main(mode: str, script: str) -> None:
    if mode == "reload":
        _child_reload(os.environ["BENCH_OUT"])
    else:
        bps = [tuple(x) for x in json.loads(os.environ["BENCH_BPS"])]
        CHILDREN[mode](script, bps)  # type: ignore[arg-type]
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # no teardown: debuggers' exit handlers are not part of the measurement


# ---------------------------------------------------------------------------------------------------------
# The parent: environments, interleaving, the table.
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Cell:
    times: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    error: str | None = None


def ensure_env(version: str) -> Path | None:
    interp = INTERPRETERS[version]
    env = HERE / f".env-{version}"
    py = env / "bin" / "python"
    if not Path(interp).exists():
        print(f"[{version}] {interp} is missing: skipped", file=sys.stderr)
        return None
    if not py.exists():
        print(f"[{version}] creating {env} ...", file=sys.stderr)
        subprocess.run([interp, "-m", "venv", str(env)], check=True)
    ok = subprocess.run(
        [str(py), "-c", "import debugpy, dapper_tui.engine.session"], capture_output=True
    ).returncode
    if ok != 0:
        print(f"[{version}] installing the repo and debugpy into {env} ...", file=sys.stderr)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", str(REPO), "debugpy"], check=True)
    return py


def find_breakpoints(paths: list[Path]) -> list[tuple[str, int]]:
    out = []
    for path in paths:
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if BP_MARKER in line:
                out.append((str(path.resolve()), i))
    return out


def make_startup_app(root: Path, count: int) -> list[tuple[str, int]]:
    """The start-up workload's own package: `count` modules of classes, functions and imports."""
    pkg = root / "benchapp"
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Generated by benchmarks/run.py."""\n')
    for i in range(count):
        prev = f"from . import mod{i - 1:03d} as prev\n" if i else "prev = None\n"
        src = textwrap.dedent(
            f'''\
            """Generated module {i}."""

            from __future__ import annotations

            import collections
            import dataclasses
            import functools
            import re

            {prev.strip()}

            PATTERN = re.compile(r"item-{i}-(\\d+)")
            TABLE = {{f"key{{n}}": n * {i} for n in range(20)}}


            @dataclasses.dataclass
            class Record{i}:
                name: str
                size: int = 0
                tags: list[str] = dataclasses.field(default_factory=list)

                def grow(self, n: int) -> int:
                    self.size += n
                    return self.size

                def describe(self) -> str:
                    return f"{{self.name}}:{{self.size}}"


            class Registry{i}(collections.UserDict):
                def register(self, record: Record{i}) -> None:
                    self[record.name] = record


            @functools.lru_cache(maxsize=None)
            def lookup(n: int) -> int:
                return TABLE.get(f"key{{n}}", -1)


            def parse(text: str) -> list[int]:
                return [int(m) for m in PATTERN.findall(text)]


            def never_called(x: int) -> int:
                y = x + {i}  {BP_MARKER if i in (count // 10, count - 3) else ""}
                return y * 2


            REGISTRY = Registry{i}()
            REGISTRY.register(Record{i}("first"))
            '''
        )
        (pkg / f"mod{i:03d}.py").write_text(src)
    return find_breakpoints(sorted(pkg.glob("mod*.py")))


def run_child(py: Path, mode: str, workload: str, env: dict[str, str]) -> float:
    with tempfile.NamedTemporaryFile("r", suffix=".out", delete=False) as f:
        out = f.name
    try:
        env = {**env, "BENCH_OUT": out}
        script = str(WORKLOADS / WORKLOAD_FILES[workload]) if workload in WORKLOAD_FILES else ""
        p = subprocess.run(
            [str(py), str(HERE / "run.py"), "--child", mode, script],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        text = Path(out).read_text().strip()
        if p.returncode != 0 or not text:
            raise RuntimeError(f"{mode} failed (rc {p.returncode}): {(p.stderr or p.stdout).strip()[-800:]}")
        return float(text) if workload in WORKLOAD_FILES else json.loads(text)
    finally:
        os.unlink(out)


def fmt_ratio(cell: Cell) -> str:
    if cell.error:
        return "failed"
    if not cell.ratios:
        return "-"
    return f"{statistics.median(cell.ratios):.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default="all", help="3.11, 3.12, 3.13, a comma list, or all (default)")
    ap.add_argument("--runs", type=int, default=5, help="interleaved rounds per workload (default 5)")
    ap.add_argument(
        "--quick", action="store_true", help="smaller workloads (about a third), for a quick look"
    )
    ap.add_argument("--workloads", default=",".join(WORKLOAD_FILES), help="comma list of workloads")
    ap.add_argument("--modes", default=",".join(MODES), help="comma list of: " + ", ".join(MODES))
    ap.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: process CPU time around the workload (default, steady on a busy machine); wall: elapsed",
    )
    ap.add_argument("--no-reload", action="store_true", help="skip the reload and memory rows")
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown, as in README.md")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "SCRIPT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_main(*args.child)
        return

    versions = list(INTERPRETERS) if args.python == "all" else args.python.split(",")
    missing = [v for v in versions if v not in INTERPRETERS]
    if missing:
        ap.error(
            f"no interpreter found for {', '.join(missing)} (found: {', '.join(INTERPRETERS) or 'none'})"
        )
    workloads = args.workloads.split(",")
    modes = [m for m in args.modes.split(",") if m]
    if "plain" not in modes:
        modes.insert(0, "plain")
    scale = 0.35 if args.quick else 1.0
    module_count = 80 if args.quick else 200
    startup_dir = Path(tempfile.mkdtemp(prefix="dapper-bench-startup-"))
    startup_bps = make_startup_app(startup_dir, module_count)
    bps = {
        "call-heavy": find_breakpoints(sorted((WORKLOADS / "cheavy").glob("*.py"))),
        "loop-heavy": find_breakpoints([WORKLOADS / "loopheavy.py"]),
        "start-up": startup_bps,
    }
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    results: dict[str, dict[str, dict[str, Cell]]] = {}  # workload -> version -> mode -> cell
    reload_rows: dict[str, dict] = {}
    started = time.monotonic()
    try:
        for version in versions:
            py = ensure_env(version)
            if py is None:
                continue
            subprocess.run(
                [str(py), "-m", "compileall", "-q", str(startup_dir)], check=True, capture_output=True
            )
            for workload in workloads:
                cells = {m: Cell() for m in modes}
                results.setdefault(workload, {})[version] = cells
                env = {
                    **base_env,
                    "BENCH_SCALE": str(scale),
                    "BENCH_BPS": json.dumps(bps[workload]),
                    "BENCH_STARTUP_DIR": str(startup_dir),
                    "BENCH_MODULES": str(module_count),
                    "BENCH_CLOCK": args.clock,
                }
                for r in range(args.runs):
                    plain_t: float | None = None
                    for mode in modes:
                        cell = cells[mode]
                        if cell.error:
                            continue
                        try:
                            t = run_child(py, mode, workload, env)
                        except Exception as exc:
                            cell.error = str(exc)
                            print(f"[{version} {workload}] {exc}", file=sys.stderr)
                            continue
                        cell.times.append(t)
                        if mode == "plain":
                            plain_t = t
                        elif plain_t:
                            cell.ratios.append(t / plain_t)
                    print(
                        f"[{version} {workload}] round {r + 1}/{args.runs}: "
                        + ", ".join(f"{m} {cells[m].times[-1]:.3f}s" for m in modes if cells[m].times),
                        file=sys.stderr,
                    )
            if not args.no_reload:
                try:
                    reload_rows[version] = run_child(py, "reload", "reload", base_env)  # type: ignore[assignment]
                except Exception as exc:
                    reload_rows[version] = {"skip": str(exc)}
    finally:
        shutil.rmtree(startup_dir, ignore_errors=True)
    print_table(results, reload_rows, versions, modes, args, time.monotonic() - started)
    if args.json:
        raw = {
            w: {v: {m: vars(c) for m, c in cs.items()} for v, cs in vs.items()} for w, vs in results.items()
        }
        Path(args.json).write_text(json.dumps({"results": raw, "reload": reload_rows}, indent=1))


def print_table(
    results: dict[str, dict[str, dict[str, Cell]]],
    reload_rows: dict[str, dict],
    versions: list[str],
    modes: list[str],
    args: argparse.Namespace,
    elapsed: float,
) -> None:
    shown = [v for v in versions if any(v in r for r in results.values())]
    rows: list[list[str]] = []
    for workload, by_version in results.items():
        for mode in modes:
            cells = []
            for v in shown:
                cell = by_version.get(v, {}).get(mode)
                if cell is None:
                    cells.append("-")
                elif mode == "plain":
                    cells.append(f"{statistics.median(cell.times):.3f} s" if cell.times else "failed")
                else:
                    cells.append(fmt_ratio(cell))
            rows.append([workload, MODE_TITLES[mode], *cells])
    if reload_rows:
        reloads = [
            ("reload, 50-line module (median of 20)", "reload_50", 1000, "ms"),
            ("reload, 2,000-line module (median of 20)", "reload_2000", 1000, "ms"),
            ("RSS growth after 100 reloads", "rss_growth_100", 1 / 2**20, "MB"),
            (
                "session.reload, breakpoint in the edited file, 1.5M objects on the heap (median of 10)",
                "session_reload",
                1000,
                "ms",
            ),
        ]
        for title, key, mul, unit in reloads:
            cells = []
            for v in shown:
                r = reload_rows.get(v, {})
                cells.append(f"{r[key] * mul:.{2 if unit == 'MB' else 1}f} {unit}" if key in r else "skipped")
            rows.append(["reload", title, *cells])
    print()
    print_rows(
        f"Slowdown vs plain Python, two breakpoints set and never hit: median of {args.runs} interleaved runs "
        f"of per-pair ratios{' (--quick)' if args.quick else ''}",
        ["workload", "debugger", *shown],
        rows,
        markdown=args.markdown,
    )
    if reload_rows:
        skips = {r[k] for r in reload_rows.values() for k in ("skip", "session_reload_skip") if k in r}
        for s in skips:
            print(f"\nreload rows skipped: {s}")
    errors = [
        (w, v, m, c.error)
        for w, vs in results.items()
        for v, cs in vs.items()
        for m, c in cs.items()
        if c.error
    ]
    for w, v, m, e in errors:
        print(f"\n{w} / {v} / {m} failed: {e}")
    print(f"\n(took {elapsed:.0f} s; see benchmarks/README.md for how each debugger is driven)")


if __name__ == "__main__":
    main()
