"""Ending a capsule with everything it started: no process outlives the capsule it came from, nor the agent.

Each capsule process is started in a session of its own (``start_new_session``), so its pid is both its
process-group id and its session id, and with a token of its own in its environment (``TOKEN_VAR``, also in the
environment its activation gives the tools). Tool children, grandchildren and forked copies of the capsule
inherit all three. ``end_capsule`` SIGKILLs the process group, then every process left in the session (a child
that made a process group of its own, as a job-control shell does), then lets the capsule's watchdog (below) go,
which also ends every process whose environment carries the capsule's token (a child that called ``setsid()``;
reading every process's environment takes tens of ms, so it is done there, off the agent's event loop). Out of
reach is only a process that both left the session and dropped the token from its environment (``setsid`` plus
``exec`` with a fresh environment).

When the agent itself dies (``kill -9``, a crash) nothing in it runs any more, and a capsule that is hung, stopped
(``SIGSTOP``) or simply has tool children would live on. So every capsule has a *watchdog*: this file run as a
script (``python -I -S reaper.py PID TOKEN``, a few ms, no imports beyond the standard library), in a session of
its own, blocked reading a pipe whose only writer is the agent. When the agent dies, or ends the capsule
(``end_capsule`` closes the pipe), the read returns and the watchdog ends the capsule's group, session and token
holders, then exits.
"""

from __future__ import annotations

import os
import signal
import sys

# The watchdog runs this file with nothing but these imports (about 10 ms and 9 MB): the agent's side imports
# what it needs in its functions, and the types below are for type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    import subprocess

    from dapper_tui.capsule.connection import CapsuleConnection

TOKEN_VAR = "DAPPER_CAPSULE_TOKEN"
_SWEEPS = 5  # passes of one end: a process may fork between a pass's scan and its kills


def _scan(sid: int, token: str | None) -> list[int]:
    """Pids of live processes in session ``sid`` or whose environment holds ``token`` (Linux ``/proc``)."""
    found: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    entry = f"{TOKEN_VAR}={token}".encode() if token else b""
    for name in names:
        if not name.isdigit():
            continue
        stat = _read(f"/proc/{name}/stat")
        if stat is None:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()  # state ppid pgrp session ...
        if len(fields) < 4 or fields[0] == b"Z":
            continue
        if int(fields[3]) == sid:
            found.append(int(name))
            continue
        if not entry:
            continue
        environ = _read(f"/proc/{name}/environ")  # None: another user's process, not one of ours
        if environ is not None and entry in environ.split(b"\0"):
            found.append(int(name))
    return found


def _read(path: str) -> bytes | None:
    """A small ``/proc`` file's bytes (``os.open``/``os.read``: about half the cost of ``open()``), or None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _sweep(pid: int, token: str | None) -> None:
    """SIGKILL ``pid``'s process group, its session and the holders of ``token`` (never this process)."""
    if pid <= 1:  # no capsule: never the whole system's group or session
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    me = os.getpid()
    for _ in range(_SWEEPS):
        victims = [p for p in _scan(pid, token) if p != me]
        if not victims:
            return
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


# -- the agent's side ---------------------------------------------------------------------------------------------


class _Watchdog:
    def __init__(self, token: str, pipe: int, proc: subprocess.Popen[bytes]) -> None:
        self.token = token
        self.pipe = pipe  # the write end; closing it (or the agent's death) sets the watchdog off
        self.proc = proc


_watchdogs: dict[int, _Watchdog] = {}  # capsule pid -> its watchdog
_released: list[subprocess.Popen[bytes]] = []  # watchdogs set off, not yet reaped


def new_token() -> str:
    """A token for a capsule about to be spawned: put it in its environment as ``TOKEN_VAR``."""
    return os.urandom(16).hex()


def token_of(pid: int) -> str | None:
    watchdog = _watchdogs.get(pid)
    return watchdog.token if watchdog is not None else None


def guard(pid: int, token: str) -> None:
    """Start the watchdog of capsule ``pid`` (spawned with ``token`` in its environment)."""
    import subprocess

    read, write = os.pipe()  # not inheritable: only this process holds the write end
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", os.path.abspath(__file__), str(pid), token],
            stdin=read,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C or a hang-up of the agent's terminal does not reach it
            env={},
        )
    except OSError:
        os.close(write)
        raise
    finally:
        os.close(read)
    _watchdogs[pid] = _Watchdog(token, write, proc)
    _reap()


def _release(pid: int) -> None:
    """The capsule is ended: its watchdog sweeps once more, then exits (reaped later)."""
    watchdog = _watchdogs.pop(pid, None)
    if watchdog is not None:
        os.close(watchdog.pipe)
        _released.append(watchdog.proc)
    _reap()


def _reap() -> None:
    _released[:] = [proc for proc in _released if proc.poll() is None]


def end_capsule(pid: int) -> None:
    """SIGKILL the process group and session that capsule ``pid`` leads (its own exit status is untouched), and
    let its watchdog go: it ends them again, and the processes holding the capsule's token."""
    _sweep(pid, None)
    _release(pid)


async def close_capsule(conn: CapsuleConnection, timeout: float = 2.0) -> None:
    """Close the capsule's stdin (it exits), wait for its exit status, end its group and session, close ``conn``.

    The group is ended before the connection waits for the pipes: a tool child that inherited the capsule's
    stdout would otherwise hold them open, and the wait with them.
    """
    proc = conn.proc
    if proc.stdin is not None and not proc.stdin.is_closing():
        proc.stdin.close()
    await exited(proc, timeout)
    end_capsule(proc.pid)
    await conn.close(timeout=timeout)


async def exited(proc: asyncio.subprocess.Process, timeout: float) -> bool:
    """Wait up to ``timeout`` for ``proc``'s exit status (not for its pipes, which its children may hold)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while proc.returncode is None and loop.time() < deadline:
        await asyncio.sleep(0.01)
    return proc.returncode is not None


# -- the watchdog -------------------------------------------------------------------------------------------------


def _watch(pid: int, token: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while True:
        try:
            if not os.read(0, 4096):
                break  # the agent died, or ended the capsule
        except InterruptedError:
            continue
        except OSError:
            break
    _sweep(pid, token)


if __name__ == "__main__":
    _watch(int(sys.argv[1]), sys.argv[2])
