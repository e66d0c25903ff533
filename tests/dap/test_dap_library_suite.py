"""A real library's own test suite has the same outcome under `dapper-tui dap` as under plain pytest.

The library is toolz 1.2.0, its sdist from PyPI vendored in tests/data (pure Python; 193 tests with one skip,
doctests, pickling and a multiprocessing Pool). The installed `dapper-tui dap` command is started as a
subprocess and driven over stdio by the tests' DAP client: `launch` with `module: "pytest"`, two breakpoints in
toolz/functoolz.py on lines of functions the suite calls, in branches it never takes.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import pytest
from dapclient import DapClient, server_env

SDIST = Path(__file__).resolve().parents[1] / "data" / "toolz-1.2.0.tar.gz"
SDIST_SHA256 = "9667a038e9d6ecba37995e26cb2f59ec6420b6ad8dd9677de59db9b956b08490"
PYTEST_ARGS = ["-v", "-p", "no:cacheprovider", "toolz"]
# Never reached by the suite: a `__name__` fallback for callables without `__qualname__` in curry.__reduce__,
# and is_arity's "cannot tell" return.
NEVER_HIT = (
    "qualname = getattr(func, '__name__', None)",
    "return None",
)
# Reached by the first test that builds a curry (the control: the same breakpoints do stop when reached).
ALWAYS_HIT = "self._sigspec = None"

OUTCOME = re.compile(r"^(\S.*?::\S.*?) (PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR)\b", re.M)
COUNT = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?|warnings?|deselected)\b")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def dapper_tui() -> str:
    exe = Path(sys.executable).parent / "dapper-tui"
    if not exe.exists():
        pytest.skip(f"the dapper-tui command is not installed beside {sys.executable}")
    return str(exe)


def env() -> dict[str, str]:
    """The outer pytest's own variables (xdist worker, current test) must not reach the inner suite."""
    return {k: v for k, v in server_env().items() if not k.startswith("PYTEST_")}


def unpack(dest: Path) -> Path:
    data = SDIST.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SDIST_SHA256, f"{SDIST} is not the vendored toolz 1.2.0"
    with tarfile.open(SDIST) as tar:
        tar.extractall(dest, filter="data")
    return dest / "toolz-1.2.0"


def line_with(path: Path, text: str, after: int = 0) -> int:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if i > after and line.strip() == text:
            return i
    raise AssertionError(f"{text!r} not in {path} after line {after}")


def never_hit_lines(functoolz: Path) -> list[int]:
    first = line_with(functoolz, NEVER_HIT[0])
    guard = line_with(functoolz, "if num is None or varargs is None or keywords is None:  # pragma: no cover")
    return [first, line_with(functoolz, NEVER_HIT[1], after=guard)]


def summary(output: str) -> dict[str, int]:
    """The counts of pytest's closing line ("192 passed, 1 skipped in 0.71s")."""
    lines = [ln for ln in ANSI.sub("", output).splitlines() if re.search(r" in [\d.]+s\b", ln)]
    assert lines, f"no pytest summary line in:\n{output[-3000:]}"
    counts = {word.removesuffix("s"): int(n) for n, word in COUNT.findall(lines[-1])}
    assert counts, f"no counts in {lines[-1]!r}"
    return counts


def outcomes(output: str) -> dict[str, str]:
    return dict(OUTCOME.findall(ANSI.sub("", output)))


def start(cwd: Path, breakpoints: list[int]) -> tuple[DapClient, list[dict]]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [dapper_tui(), "dap"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        env=env(),
        cwd=cwd.parent,
        bufsize=0,
    )
    proc.log = log  # type: ignore[attr-defined]
    assert proc.stdin
    assert proc.stdout
    stdin, stdout = proc.stdin, proc.stdout

    def send(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[stdin.write(view) :]

    dap = DapClient(send, lambda: stdout.read(65536), stdin.close, proc)
    dap.initialize()
    dap.request("launch", {"module": "pytest", "args": PYTEST_ARGS, "cwd": str(cwd)})
    bps = dap.request(
        "setBreakpoints",
        {
            "source": {"path": str(cwd / "toolz" / "functoolz.py")},
            "breakpoints": [{"line": n} for n in breakpoints],
        },
    )["breakpoints"]
    dap.request("configurationDone")
    return dap, bps


def run_to_exit(dap: DapClient, timeout: float = 300) -> dict:
    """The `exited` event's body; fails at once if the program stops instead."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return dap.wait_event("exited", timeout=0.5)["body"]
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        stops = [e["body"] for e in dap.events if e["event"] == "stopped"]
        assert not stops, f"the program stopped: {stops}"


def test_toolz_suite_has_the_same_outcome_under_dapper_tui_dap(tmp_path: Path) -> None:
    root = unpack(tmp_path)
    lines = never_hit_lines(root / "toolz" / "functoolz.py")

    plain = subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_ARGS],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    expected = summary(plain.stdout)
    assert expected.get("passed", 0) >= 190, plain.stdout[-3000:]

    dap, bps = start(root, lines)
    try:
        assert [(b["verified"], b["line"]) for b in bps] == [(True, n) for n in lines], bps
        exited = run_to_exit(dap)
        out = dap.output()
    finally:
        code = dap.close()
    assert code == 0, f"server exit code {code}; stderr:\n{dap.stderr()}"

    assert summary(out) == expected, (
        f"plain pytest:\n{plain.stdout[-2000:]}\nunder dapper-tui dap:\n{out[-2000:]}"
    )
    assert outcomes(out) == outcomes(plain.stdout)
    assert len(outcomes(out)) == sum(
        expected.get(k, 0) for k in ("passed", "failed", "skipped", "xfailed", "xpassed")
    )
    assert exited["exitCode"] == plain.returncode
    assert "Traceback" not in dap.output("stderr"), dap.output("stderr")


def test_the_same_breakpoints_stop_when_their_line_is_reached(tmp_path: Path) -> None:
    """The control: a breakpoint set the same way in the same file does stop the suite, in the right frame."""
    root = unpack(tmp_path)
    functoolz = root / "toolz" / "functoolz.py"
    line = line_with(functoolz, ALWAYS_HIT)
    dap, bps = start(root, [*never_hit_lines(functoolz), line])
    try:
        assert all(b["verified"] for b in bps), bps
        body = dap.stopped(timeout=60)
        assert body["reason"] == "breakpoint"
        frame = dap.top_frame(body["threadId"])
        assert (frame["source"]["path"], frame["line"]) == (str(functoolz), line)
        assert frame["name"].endswith("__init__")
    finally:
        code = dap.close()
    assert code == 0, f"server exit code {code}; stderr:\n{dap.stderr()}"
