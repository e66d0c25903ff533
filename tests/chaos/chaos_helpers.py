"""Helpers of the chaos tests: a project whose tools hang, stop and spread, agent processes, /proc walks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capsule_helpers import TOOL_V1
from helpers import write

PY = sys.executable
THREAD = "chaos"

CHAOS_TOOLS = """\
import asyncio
import os
import signal
import subprocess
import sys
import time


def note(i: int) -> str:
    \"\"\"A quick call.\"\"\"
    return f"note {i}"


def hang_sync(seconds: float = 600) -> str:
    \"\"\"Block the worker thread.\"\"\"
    time.sleep(seconds)
    return "woke"


async def hang_async(seconds: float = 600) -> str:
    \"\"\"Wait on the capsule's event loop.\"\"\"
    await asyncio.sleep(seconds)
    return "woke"


def stop_self() -> str:
    \"\"\"SIGSTOP the whole capsule process.\"\"\"
    os.kill(os.getpid(), signal.SIGSTOP)
    return "resumed"


def spread() -> str:
    \"\"\"Leave processes behind: a grandchild, a process group of its own, a setsid escapee, a forked capsule.\"\"\"
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.Popen(["sh", "-c", "sleep 300 & wait"], **quiet)
    subprocess.Popen(["sleep", "300"], process_group=0, **quiet)
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True, **quiet)
    if os.fork() == 0:
        time.sleep(300)
        os._exit(0)
    return "spread"
"""


def chaos_project(root: Path, call_timeout: float) -> Path:
    write(
        root,
        "agent.toml",
        f"""\
        name = "chaos"
        model = "scripted"
        [runtime]
        call_timeout = {call_timeout}
        drain_timeout = 2
        start_timeout = 20
        """,
    )
    write(root, "src/tools/t.py", TOOL_V1)
    write(root, "src/tools/chaos.py", CHAOS_TOOLS)
    write(root, "src/identity.md", "You are {{name}}.\n")
    (root / "data").mkdir(exist_ok=True)
    return root


# -- processes ---------------------------------------------------------------------------------------------------


@dataclass
class ProcInfo:
    pid: int
    ppid: int
    pgrp: int
    sid: int
    state: str
    cmdline: bytes
    environ: bytes

    @property
    def command(self) -> str:
        return self.cmdline.replace(b"\0", b" ").decode(errors="replace")


def proc_table() -> dict[int, ProcInfo]:
    table: dict[int, ProcInfo] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            environ = b""
        fields = stat[stat.rfind(")") + 2 :].split()
        table[int(entry.name)] = ProcInfo(
            int(entry.name), int(fields[1]), int(fields[2]), int(fields[3]), fields[0], cmdline, environ
        )
    return table


def capsules_of(agent_pid: int) -> list[int]:
    return [
        p.pid
        for p in proc_table().values()
        if p.ppid == agent_pid and b"dapper_tui.capsule.host" in p.cmdline and p.state != "Z"
    ]


def project_processes(root: Path, capsule_pids: set[int]) -> list[ProcInfo]:
    """Live processes of the project (see the module docstring), other than this test process."""
    marker = str(root).encode()
    env_marker = b"DAPPER_AGENT_DIR=" + marker
    found = []
    for p in proc_table().values():
        if p.pid == os.getpid() or p.state == "Z":
            continue
        environ = p.environ.split(b"\0")
        args = p.cmdline.split(b"\0")
        watchdog = any(a.endswith(b"reaper.py") for a in args) and any(
            a.isdigit() and int(a) in capsule_pids for a in args
        )
        if (
            marker in p.cmdline
            or env_marker in environ
            or p.pgrp in capsule_pids
            or p.sid in capsule_pids
            or watchdog
        ):
            found.append(p)
    return found


# -- agents ------------------------------------------------------------------------------------------------------


class Agent:
    """One ``agent DIR --json`` process; every complete stdout line is parsed and kept."""

    def __init__(self, root: Path, log: Path, *args: str, thread: str = THREAD) -> None:
        self.proc = subprocess.Popen(
            [
                PY,
                "-m",
                "dapper_tui.capsule.cli",
                str(root),
                "--thread",
                THREAD,
                "--json",
                "--no-deltas",
                *args,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("ab"),
            bufsize=0,
        )
        self.events: list[dict[str, Any]] = []
        self._seen = 0
        self._cond = threading.Condition()
        self._eof = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        pending = b""
        while chunk := os.read(fd, 65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")  # a line cut short by a kill stays in ``pending``
            parsed = []
            for line in lines:
                try:
                    parsed.append(json.loads(line))
                except ValueError:
                    parsed.append({"type": "unparsable", "raw": line[:200].decode(errors="replace")})
            with self._cond:
                self.events.extend(parsed)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 40.0) -> dict[str, Any]:
        """The next event (after the last one waited for) that matches."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                while self._seen < len(self.events):
                    event = self.events[self._seen]
                    self._seen += 1
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    tail = [(e.get("type"), e.get("message") or e.get("result")) for e in self.events[-6:]]
                    raise AssertionError(
                        f"agent {self.proc.pid}: no matching event (eof={self._eof}); {tail}"
                    )
                self._cond.wait(remaining)

    def turn_end(self, timeout: float = 40.0) -> dict[str, Any]:
        return self.wait_for(lambda e: e.get("type") == "turn_end", timeout)

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"message": text}).encode() + b"\n")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(10)

    def close(self, timeout: float = 40.0) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code

    @property
    def acked(self) -> list[dict[str, Any]]:
        with self._cond:
            return [e for e in self.events if isinstance(e.get("seq"), int) and e["seq"] > 0]


def stored(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.read_bytes().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return [e for e in out if isinstance(e, dict)]


def settle_leftovers(root: Path, capsules: set[int], within: float) -> list[ProcInfo]:
    """Wait up to ``within`` seconds for the project's processes to end; the ones still there."""
    deadline = time.monotonic() + within
    while True:
        left = project_processes(root, capsules)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)
