"""Spawning a capsule process and bringing it up to a generation: the warm spare, the environment, the handshake.

A capsule process starts as ``--spare``: it waits on stdin for its environment before importing any tool, so
one can be started ahead of the next save (the warm spare). It is used when the interpreter, its venv and the
``.env`` start-up variables (``PYTHON*``, read by the interpreter itself) are still those it was started with.

The capsules' stderr goes to ``data/logs/capsule.log`` through a redactor (``capsule/secrets.py``): a tool that
prints an API key does not leave it in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dapper_tui.capsule import venv as venvs
from dapper_tui.capsule.connection import CapsuleConnection, CapsuleError
from dapper_tui.capsule.generation import signal_name
from dapper_tui.capsule.logfile import RotatingLog
from dapper_tui.capsule.project import AgentConfig, AgentProject
from dapper_tui.capsule.reaper import (
    TOKEN_VAR,
    close_capsule,
    end_capsule,
    exited,
    guard,
    new_token,
    token_of,
)
from dapper_tui.capsule.secrets import Redactor, pump_redacted
from dapper_tui.capsule.start_stack import stack_file, where_stuck
from dapper_tui.capsule.supervision import OUTSIDE_SIGNALS
from dapper_tui.capsule.surface import hash_text, spec_from_wire
from dapper_tui.capsule.tools import ToolSpec

Process = asyncio.subprocess.Process


@dataclass
class Spare:
    proc: Process
    python: str
    key: str  # venv.python_key(python) when it was started
    startup: dict[str, str]  # the PYTHON* variables it was started with


START_KILLS_MAX = 3  # processes of one new generation killed from outside before it answered; then it failed


class _KilledWhileStarting(Exception):
    """The process was killed from outside before it answered: not the tools' fault, a new one is tried."""


class StartFailed(Exception):
    """The new capsule did not answer ``initialize`` and ``tools/list``; ``detail`` says why."""

    def __init__(self, number: int, detail: str) -> None:
        super().__init__(detail)
        self.number = number
        self.detail = detail


@dataclass
class Starting:
    """The process and connection of a generation still starting: what is killed when the start is abandoned."""

    proc: Process | None = None
    conn: CapsuleConnection | None = None

    async def abandon(self) -> None:
        if self.conn is not None:
            end_capsule(self.conn.pid)
            await close_capsule(self.conn, timeout=1.0)
        elif self.proc is not None:
            await discard(self.proc)


def startup_env(dotenv: dict[str, str]) -> dict[str, str]:
    """The ``.env`` entries the interpreter reads at start-up (``PYTHONPATH``, ``PYTHONHASHSEED``, ...)."""
    return {k: v for k, v in dotenv.items() if k.startswith("PYTHON")}


async def discard(proc: Process) -> None:
    """Kill a capsule process that never became a generation (its whole process group) and reap it."""
    end_capsule(proc.pid)
    if proc.stdin is not None:
        proc.stdin.close()
    # read stdout to its end (the stderr pump reads the other pipe) so the transport closes now
    with contextlib.suppress(Exception):
        await asyncio.wait_for(proc.wait(), 2.0)
        if proc.stdout is not None:
            await asyncio.wait_for(proc.stdout.read(), 2.0)


def load_failure(status_file: Path) -> str:
    """The tool files the host could not import, as it wrote them to its status file."""
    try:
        status = json.loads(status_file.read_text())
    except (OSError, ValueError):
        return ""
    return "\n".join(f"{Path(f['file']).name}: {f['error']}" for f in status.get("failures", []))


class Spawner:
    """Starts capsule processes for one project, keeps the warm spare, and pumps their stderr into the log."""

    def __init__(
        self, project: AgentProject, python: Callable[[], str], *, warm_spare: bool, config: AgentConfig
    ) -> None:
        self.project = project
        self.config = config
        self.python = python  # the interpreter a new generation runs on now
        self.warm_spare = warm_spare
        self.spare: Spare | None = None
        self.spare_task: asyncio.Task[None] | None = None
        self.closed = False
        self.redactor = Redactor(project)
        self.redactor.add(project.env())
        self._pumps: set[asyncio.Task[None]] = set()
        self._origins: dict[int, tuple[Process, str, dict[str, str]]] = {}  # pid -> (proc, python, startup)
        self._log_file = RotatingLog(project.logs_dir / "capsule.log", config.log_max_bytes, config.log_keep)

    def env(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """The capsule's environment, a hash per ``.env`` key, and the ``.env`` start-up variables."""
        dotenv = self.project.env()
        self.redactor.add(dotenv)  # before the capsule can print anything with it
        env = {**os.environ, **dotenv, "PYTHONUNBUFFERED": "1"}
        return env, {k: hash_text(v) for k, v in dotenv.items()}, startup_env(dotenv)

    def _write_log(self, data: bytes) -> None:
        self._log_file.write(data)

    async def spawn(self, python: str, startup: dict[str, str]) -> Process:
        token = new_token()  # marks it and what its tools start, even past a setsid (capsule/reaper.py)
        proc = await asyncio.create_subprocess_exec(
            python,
            "-u",
            "-m",
            "dapper_tui.capsule.host",
            str(self.project.root),
            "--spare",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=self.project.root,
            # PYTHON* variables from .env act at interpreter start-up, so they go in here, not only at activation
            env={**os.environ, **startup, "PYTHONUNBUFFERED": "1", TOKEN_VAR: token},
            start_new_session=True,
            limit=64 * 1024 * 1024,
        )
        for pid in [pid for pid, origin in self._origins.items() if origin[0].returncode is not None]:
            del self._origins[pid]
        self._origins[proc.pid] = (proc, python, startup)
        try:
            guard(proc.pid, token)  # its watchdog ends it and its children if this process dies
        except OSError as exc:  # no interpreter to run it on (an embedded Python): the agent still ends it
            self._write_log(f"capsule pid {proc.pid}: no watchdog ({exc})\n".encode())
        assert proc.stderr is not None
        pump = asyncio.get_running_loop().create_task(
            pump_redacted(proc.stderr, self._write_log, self.redactor)
        )
        self._pumps.add(pump)
        pump.add_done_callback(self._pumps.discard)
        return proc

    async def take(self, python: str, startup: dict[str, str]) -> tuple[Process, bool]:
        """A process for a new generation: the warm spare when it still fits (then True), else a new one."""
        spare = self.spare
        self.spare = None
        if (
            spare is not None
            and spare.python == python
            and spare.key == venvs.python_key(python)
            and spare.startup == startup
            and spare.proc.returncode is None
        ):
            return spare.proc, True
        if spare is not None:
            await discard(spare.proc)
        return await self.spawn(python, startup), False

    async def spare_started(self) -> None:
        """Wait for a warm spare still starting (a build takes it, or discards it, only once it runs)."""
        if self.spare_task is not None and not self.spare_task.done():
            await asyncio.shield(self.spare_task)

    def prepare_spare(self) -> None:
        if not self.warm_spare or self.closed or self.spare is not None:
            return

        async def make() -> None:
            python = self.python()
            key = venvs.python_key(python)
            startup = startup_env(self.project.env())
            proc = await self.spawn(python, startup)
            if self.closed or self.spare is not None:
                await discard(proc)
                return
            self.spare = Spare(proc, python, key, startup)

        self.spare_task = asyncio.get_running_loop().create_task(make())

    async def handshake(
        self, starting: Starting, number: int, env: dict[str, str], timeout: float
    ) -> list[ToolSpec]:
        """Hand ``starting.proc`` its environment and wait for its tools; raises ``StartFailed``.

        A process killed from outside before it answered (a ``kill -9`` of the warm spare, or of the new
        generation while it imports its tools) is no failure of the tools: a new process is started in its place,
        up to ``START_KILLS_MAX`` times.
        """
        for kills in range(START_KILLS_MAX + 1):
            proc = starting.proc
            assert proc is not None
            _proc, python, startup = self._origins.pop(proc.pid, (proc, "", {}))
            try:
                return await self._handshake(starting, number, env, timeout)
            except _KilledWhileStarting as exc:
                if kills == START_KILLS_MAX or not python or self.closed:
                    raise StartFailed(number, f"{exc}, {kills + 1} times in a row") from exc
                self._write_log(f"capsule generation {number}: {exc}; starting another process\n".encode())
                starting.proc = await self.spawn(python, startup)
        raise AssertionError("unreachable")

    async def _handshake(
        self, starting: Starting, number: int, env: dict[str, str], timeout: float
    ) -> list[ToolSpec]:
        proc = starting.proc
        assert proc is not None
        assert proc.stdin is not None
        status_file = self.project.logs_dir / f"capsule-{os.getpid()}-{number}.status.json"
        status_file.unlink(missing_ok=True)
        proc.stdin.write(
            json.dumps(
                {
                    "env": {**env, TOKEN_VAR: token_of(proc.pid) or ""},
                    "generation": number,
                    "status_file": str(status_file),
                    "address_space_mb": self.config.address_space_mb,
                }
            ).encode()
            + b"\n"
        )
        conn = starting.conn = CapsuleConnection(proc)
        try:
            await conn.initialize(timeout=timeout)
            wire = await conn.list_tools(timeout=timeout)
        except (CapsuleError, TimeoutError, ConnectionError) as exc:
            killed = None
            stuck = ""
            if isinstance(exc, TimeoutError):
                stuck = await where_stuck(proc.pid, status_file, self.project.root)
            elif await exited(proc, 1.0):  # before this process kills it
                killed = signal_name(proc.returncode)
            end_capsule(proc.pid)
            await close_capsule(conn, timeout=1.0)
            starting.conn = starting.proc = None
            if killed in OUTSIDE_SIGNALS:
                raise _KilledWhileStarting(
                    f"its process was killed from outside ({killed}) while starting"
                ) from exc
            if stuck:
                raise StartFailed(
                    number, f"the tools did not load within {timeout:g} s: still running {stuck}"
                ) from exc
            raise StartFailed(number, load_failure(status_file) or str(exc) or type(exc).__name__) from exc
        finally:
            status_file.unlink(missing_ok=True)
            stack_file(status_file).unlink(missing_ok=True)
        return [spec_from_wire(t) for t in wire]

    async def close(self) -> None:
        """Discard the spare; let the last lines the capsules wrote reach the log, then close it."""
        self.closed = True
        if self.spare_task is not None and not self.spare_task.done():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.spare_task
        if self.spare is not None:
            await discard(self.spare.proc)
            self.spare = None

    async def close_log(self) -> None:
        if self._pumps:
            _done, pending = await asyncio.wait(set(self._pumps), timeout=2.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._log_file.close()
