"""Crash supervision: a current generation whose process exits on its own (``os._exit``, a segfault).

The exit is reported with a ``failed`` record and the generation is replaced by a new one started from the same
files. Turns pinned to the dead one go on with the replacement when its surface is identical (same tool sources,
environment and venv); otherwise their next call is an error result and the next turn uses the replacement.
The record names the cause (``detail["cause"]``):

- ``crash``: the process exited, or died of a signal it raises itself (``SIGSEGV``, ``SIGABRT``, ...);
- ``outside``: it was killed by a signal that ends a process from outside (``SIGKILL``, ``SIGTERM``, ``SIGINT``,
  ``SIGHUP``, ``SIGQUIT``) that the manager did not send: another process, a user, the kernel's OOM killer.
  The tools are not blamed, and such kills never count towards the crash-loop breaker;
- ``timed_out``: the manager killed it because a tool call outlived ``call_timeout`` (see ``CapsuleManager.call``).

The crash-loop breaker: three crashes in a row, each within ``QUICK_EXIT_S`` of its generation's start and
within ``crash_window`` seconds (agent.toml) of the crash before, stop the restarts until the next save or the
reload key, or until ``crash_window`` quiet seconds have passed: then the tools are tried again (``on_rearm``),
and a new crash loop stops them again. A crash later than ``crash_window`` after the previous one starts the
count again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from dapper_tui.capsule.generation import Generation, GenerationState, signal_name
from dapper_tui.capsule.reaper import end_capsule, exited
from dapper_tui.reload.record import ReloadRecord

QUICK_EXIT_S = 10.0  # a generation that exits sooner than this after starting counts towards a crash loop
QUICK_EXITS_MAX = 3
OUTSIDE_SIGNALS = frozenset({"SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"})


def exit_cause(gen: Generation) -> str:
    """``timed_out``, ``outside`` or ``crash``: why ``gen``'s process ended (see the module docstring)."""
    if gen.ended_by:
        return "timed_out"
    if signal_name(gen.exit_code) in OUTSIDE_SIGNALS:
        return "outside"
    return "crash"


def exit_summary(gen: Generation, cause: str) -> str:
    if cause == "timed_out":
        return f"killed: {gen.ended_by}"
    if cause == "outside":
        return f"killed from outside ({signal_name(gen.exit_code)})"
    return gen.exit_text


async def route(gen: Generation, wait_s: float) -> tuple[Generation | None, str]:
    """The generation a call pinned to ``gen`` goes to: ``gen``, or the identical replacement of a dead one.

    Without one, the second item says why. A replacement still starting is waited for up to ``wait_s``. A
    process killed a moment ago, whose end this process has not read yet, is waited for (briefly) so that the
    call goes to its replacement instead of to a dead process.
    """
    waited = False
    while True:
        while gen.state == GenerationState.EXITED:
            if gen.replaced_by is not None:
                gen = gen.replaced_by
                continue
            dead = f"capsule generation {gen.number} {gen.exit_text} before this call"
            successor = gen.successor
            if successor is None:
                return None, f"{dead}; {gen.why_not_replaced or 'no capsule is running'}"
            if not successor.done():
                try:
                    await asyncio.wait_for(asyncio.shield(successor), wait_s)
                except TimeoutError:
                    return None, f"{dead}; its replacement did not start in time"
                continue
            return None, f"{dead}; {gen.why_not_replaced or 'no capsule is running'}"
        if waited or gen.conn.closed.is_set() or not _process_gone(gen.conn.proc):
            return gen, ""
        waited = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gen.conn.closed.wait(), 2.0)
        await asyncio.sleep(0)  # the supervisor's watcher, woken by the same end, marks it exited


def _process_gone(proc: asyncio.subprocess.Process) -> bool:
    """Whether ``proc`` has exited (a zombie not yet reaped counts), as far as ``/proc`` tells."""
    if proc.returncode is not None:
        return True
    try:
        with open(f"/proc/{proc.pid}/stat", "rb") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return True
    except OSError:  # no /proc: the connection's end is the only sign
        return False
    return stat[stat.rfind(b")") + 2 :][:1] in (b"Z", b"X")


class Supervisor:
    """Watches generations' processes and keeps the exited ones until a build gives them a replacement."""

    def __init__(
        self,
        on_exit: Callable[[Generation, int], None],
        crash_window: float,
        on_rearm: Callable[[Generation], None] | None = None,
    ) -> None:
        self._on_exit = on_exit
        self._on_rearm = on_rearm  # the breaker's quiet window passed: start the tools of this dead one again
        self._rearm: asyncio.TimerHandle | None = None
        self.crash_window = crash_window
        self.quick_exits = 0
        self._last_crash = float("-inf")
        self.exited: list[Generation] = []  # exited generations still waiting for their replacement
        self._watchers: set[asyncio.Task[None]] = set()

    def watch(self, gen: Generation) -> None:
        """Notice when ``gen``'s process exits without the manager asking it to."""

        async def watch() -> None:
            # its stdout ends, or it exits while a child it started still holds stdout open
            while not gen.conn.closed.is_set() and gen.conn.proc.returncode is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(gen.conn.closed.wait(), 0.2)
            await self.settle(gen)

        task = asyncio.get_running_loop().create_task(watch())
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def settle(self, gen: Generation) -> None:
        """``gen``'s stdout ended: wait for its exit status, then handle the exit (once)."""
        proc = gen.conn.proc
        # a process whose stdout closed but that lives on is no capsule any more: it is killed with the rest
        await exited(proc, 5.0)
        end_capsule(proc.pid)  # what its tools started ends with it (and lets go of its pipes)
        code = await proc.wait()
        self._on_exit(gen, code)

    def _count(self, gen: Generation, cause: str, now: float) -> None:
        """Count a crash towards the breaker; outside kills and timeouts are no crash loop of the tools."""
        if cause != "crash":
            return
        quick = now - gen.started_at < QUICK_EXIT_S
        if not quick or now - self._last_crash > self.crash_window:
            self.quick_exits = 0
        self.quick_exits += quick
        self._last_crash = now

    def crashed(self, gen: Generation, revision: int, tools_dir: Path) -> tuple[ReloadRecord, bool]:
        """The current generation ``gen`` exited: its record, and whether to start a replacement."""
        loop = asyncio.get_running_loop()
        cause = exit_cause(gen)
        self._count(gen, cause, loop.time())
        gen.successor = loop.create_future()
        self.exited.append(gen)
        code = gen.exit_code
        detail = {
            "event": "exited",
            "cause": cause,
            "exited_generation": gen.number,
            "exit_code": code,
            "pid": gen.pid,
        }
        if (name := signal_name(code)) is not None:
            detail["signal"] = name
        summary = exit_summary(gen, cause)
        record = ReloadRecord(
            scope="agent",
            outcome="failed",
            path=str(tools_dir),
            message=f"capsule process {summary}; starting a new one",
            counters={"revision": revision, "generation": gen.number},
            detail=detail,
        )
        if self.quick_exits < QUICK_EXITS_MAX:
            return record, True
        record.message = (
            f"capsule process {summary}; not starting a new one: the last {self.quick_exits} generations each "
            f"stopped within {QUICK_EXIT_S:g} s of starting, within {self.crash_window:g} s of each other"
        )
        record.hint = f"fix the tools and save, or reload; they are tried again in {self.crash_window:g} s"
        self.resolve(None, "it stopped too often; fix the tools and save")
        if self._on_rearm is not None:
            if self._rearm is not None:
                self._rearm.cancel()
            self._rearm = loop.call_later(self.crash_window, self._rearmed, gen)
        return record, False

    def _rearmed(self, gen: Generation) -> None:
        self._rearm = None
        self.quick_exits = 0
        if self._on_rearm is not None:
            self._on_rearm(gen)

    def resolve(self, new: Generation | None, why: str = "") -> None:
        """A build ended: generations that exited get ``new`` as their replacement when it is identical."""
        waiting, self.exited = self.exited, []
        for dead in waiting:
            if new is not None and new.signature == dead.signature:
                dead.replaced_by = new
                new.pins += dead.pins  # the turns pinned to it now hold the replacement
                dead.pins = 0
            else:
                dead.why_not_replaced = why or (
                    f"generation {new.number if new else 0} replaced it with a different surface "
                    "(tools, environment or venv changed), so this turn cannot go on with it; the next turn will"
                )
            if dead.successor is not None and not dead.successor.done():
                dead.successor.set_result(dead.replaced_by)

    async def close(self) -> None:
        if self._rearm is not None:
            self._rearm.cancel()
        self.resolve(None, "the agent is closing")
        for task in list(self._watchers):
            task.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
