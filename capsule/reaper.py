"""Ending a capsule with everything it started: no process outlives the capsule it came from.

Each capsule process is started in a session of its own (``start_new_session``), so its pid is both its
process-group id and its session id. Tool children, grandchildren and forked copies of the capsule inherit both.
``end_capsule`` SIGKILLs the process group, then every process left in the session (a child that made a process
group of its own, as a job-control shell does). A process that calls ``setsid()`` itself leaves the session and
is out of reach; so is one that re-parents itself into another session by any other means.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

from dapper_tui.capsule.connection import CapsuleConnection


def session_members(sid: int) -> list[int]:
    """Pids of the live processes whose session id is ``sid`` (Linux ``/proc``; elsewhere none)."""
    members: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return members
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # state ppid pgrp session ...
        if len(fields) > 3 and fields[0] != "Z" and int(fields[3]) == sid:
            members.append(int(entry.name))
    return members


def end_capsule(pid: int) -> None:
    """SIGKILL the process group and session that capsule ``pid`` leads (its own exit status is untouched)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for member in session_members(pid):
        if member == os.getpid():
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member, signal.SIGKILL)


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
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while proc.returncode is None and loop.time() < deadline:
        await asyncio.sleep(0.01)
    return proc.returncode is not None
