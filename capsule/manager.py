"""Capsule generations: validation before current, coalescing, pinning, drain and retirement.

The manager owns the *surface* (``capsule/surface.py``). ``pin()`` hands a turn the current surface; every tool
call of that turn goes to the pinned surface's generation, whatever becomes current meanwhile.

A change that replaces the capsule (tools, ``.env``, ``requirements.txt``) starts a new generation: a new
process (the warm spare when there is one, ``capsule/spawn.py``) must import every tool file and answer
``tools/list`` before it becomes current. If it fails, the old generation stays current and a ``failed`` record
says why: there is never a mixed surface. A newer request cancels an older one still starting (its record is
``skipped``). The old generation is drained (``capsule/drain.py``): it is closed once no turn is pinned to it
and no call is in flight; a call still running ``drain_timeout`` seconds into the drain gets its generation
killed, and the kill is reported with a record.

Every tool call has a deadline, ``call_timeout`` (agent.toml): a call still running then is an error result,
and its generation is killed and replaced as if it had crashed (``capsule/tool_calls.py``).
Whenever a generation ends, its whole process group and session end with it (``capsule/reaper.py``).

Every new surface takes its revision from the project-wide counter (``capsule/revisions.py``), so two agent
processes on one project never number a surface alike. Tool results are redacted (``redact``, the runtime's
``.env`` redactor) before anything else sees them: a result too long for the thread is stored redacted and its
preview never cuts a secret in half.

A current generation whose process exits on its own is replaced (``capsule/supervision.py``). Requirements are
installed into a venv per digest that ``DIR/.venv`` is switched to (``capsule/venv_switch.py``). Identity,
prompts and scripts are applied in place (``capsule/instant_rows.py``).

All methods run on the event loop's thread; ``apply`` is synchronous and quick (it only schedules the slow
parts), so the runtime's reload scope can call it from the coordinator's thread through the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from dapper_tui.capsule import venv as venvs
from dapper_tui.capsule.build import Attempt, BuildRequest
from dapper_tui.capsule.drain import drain, killed_record
from dapper_tui.capsule.generation import ENDED, Generation, GenerationState
from dapper_tui.capsule.instant_rows import apply_instant_row, restart_record
from dapper_tui.capsule.project import AgentConfig, AgentProject, Row
from dapper_tui.capsule.prompts import render_identity, scan_prompts
from dapper_tui.capsule.reaper import close_capsule, end_capsule
from dapper_tui.capsule.revisions import RevisionCounter
from dapper_tui.capsule.spawn import Spare, Spawner, StartFailed, Starting
from dapper_tui.capsule.supervision import Supervisor
from dapper_tui.capsule.surface import Surface, script_hashes, script_sources
from dapper_tui.capsule.tool_calls import ToolCalls
from dapper_tui.capsule.tools import ToolSpec
from dapper_tui.capsule.venv import needs_install
from dapper_tui.capsule.venv_switch import VenvSwitch
from dapper_tui.reload.record import ReloadRecord

__all__ = ["CapsuleManager", "Generation", "GenerationState", "Surface"]

_NOT_STARTED = "new capsule did not start"
_REDACT_INLINE = 1 << 20  # characters: a longer tool result is redacted off the event loop


class CapsuleManager:
    def __init__(
        self,
        project: AgentProject,
        config: AgentConfig,
        on_record: Callable[[ReloadRecord], None],
        *,
        drain_timeout: float | None = None,
        warm_spare: bool | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.project = project
        self.redact = redact
        self.revisions = RevisionCounter(project.data_dir)
        self.config = config
        self.drain_timeout = config.drain_timeout if drain_timeout is None else drain_timeout
        self._on_record = on_record
        self._generation_counter = 0
        self._build: asyncio.Task[None] | None = None
        self._request = BuildRequest.of((), ())
        self._build_record: ReloadRecord | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._closed = False
        self._venv = VenvSwitch(project)
        self._spawner = Spawner(
            project,
            self._venv.python,
            warm_spare=config.warm_spare if warm_spare is None else warm_spare,
            config=config,
        )
        self._supervisor = Supervisor(self._on_exit, config.crash_window, self._rearm)
        self._calls = ToolCalls(project, config, self._supervisor, lambda: self.surface)
        self._revision_waiters: list[tuple[int, asyncio.Future[Surface]]] = []
        self._live: list[Generation] = []
        self._last_record = ReloadRecord(scope="agent", outcome="skipped", path=str(project.root))
        sources = script_sources(project)
        self.surface = Surface(
            revision=0,
            generation=None,
            identity=render_identity(project, config.name, []),
            prompts=scan_prompts(project),
            tools=[],
            scripts=script_hashes(sources),
            script_sources=sources,
        )

    # -- surface ---------------------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        return self.surface.revision

    @property
    def generations(self) -> list[Generation]:
        """Live generations, oldest first (the current one and any still draining)."""
        return list(self._live)

    @property
    def _spare(self) -> Spare | None:
        return self._spawner.spare

    def _set_surface(self, surface: Surface) -> None:
        self.surface = surface
        waiting = self._revision_waiters
        self._revision_waiters = []
        for revision, future in waiting:
            if future.done():
                continue
            if surface.revision >= revision:
                future.set_result(surface)
            else:
                self._revision_waiters.append((revision, future))

    async def wait_for_revision(self, revision: int, timeout: float = 30.0) -> Surface:
        """Wait until the surface revision is at least ``revision``."""
        if self.surface.revision >= revision:
            return self.surface
        future: asyncio.Future[Surface] = asyncio.get_running_loop().create_future()
        self._revision_waiters.append((revision, future))
        return await asyncio.wait_for(future, timeout)

    def pin(self) -> Surface:
        surface = self.surface
        if surface.generation is not None:
            surface.generation.followed.pins += 1
        return surface

    def unpin(self, surface: Surface) -> None:
        if surface.generation is not None:
            surface.generation.followed.pins -= 1

    async def call(self, surface: Surface, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        """Call a tool on the pinned surface's generation: ``(result, is_error)``, the result redacted."""
        text, is_error = await self._calls.call(surface, name, arguments)
        if len(text) > _REDACT_INLINE:  # 20 MB take about 0.4 s: the loop keeps serving meanwhile
            return await asyncio.to_thread(self.redact, text), is_error
        return self.redact(text), is_error

    # -- start / replace ------------------------------------------------------------------------------------

    async def start(self) -> ReloadRecord:
        """Start the first generation (a failure leaves a surface without tools, and a failed record)."""
        rows = {Row.TOOLS, Row.REQUIREMENTS} if needs_install(self.project) else {Row.TOOLS}
        self._request = BuildRequest.of(rows, [self.project.tools_dir])
        self._build_record = None
        self._build = asyncio.get_running_loop().create_task(self._replace())
        await self._build
        return self._last_record

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        """Apply a batch of changed paths, by row. Instant rows are applied here; capsule rows are scheduled."""
        rows: dict[Row, list[Path]] = {}
        for path in paths:
            row = self.project.classify(path)
            if row is not None:
                rows.setdefault(row, []).append(path)
        records: list[ReloadRecord] = []
        for row, row_paths in rows.items():
            if row is Row.RESTART:
                records.append(restart_record(row, row_paths))
            elif row in (Row.IDENTITY, Row.PROMPTS, Row.SCRIPTS):
                record, surface = apply_instant_row(row, self.project, self.config, self.surface, row_paths)
                if surface is not None:
                    self._set_surface(replace(surface, revision=self.revisions.reserve(self.revision)))
                    record.counters["revision"] = self.revision
                records.append(record)
        capsule_rows = {r for r in rows if r.replaces_capsule}
        if capsule_rows:
            records.append(self.request_replace(capsule_rows, [p for r in capsule_rows for p in rows[r]]))
        return records

    def request_replace(
        self, rows: set[Row], paths: list[Path], *, restart_of: int | None = None
    ) -> ReloadRecord:
        """Schedule a new generation. A build still starting is cancelled and folded into this one."""
        if restart_of is None:
            self._supervisor.quick_exits = 0  # a save (or the reload key) gets a fresh set of restarts
        if self._build is not None and not self._build.done():
            self._build.cancel()
            if self._build_record is not None:
                superseded = replace(
                    self._build_record,
                    outcome="skipped",
                    message="superseded by a newer save before it became current",
                    timestamp=time.time(),
                )
                self._on_record(superseded)
            request = self._request.folded(rows, paths, restart_of)
        else:
            request = BuildRequest.of(rows, paths, restart_of)
        self._request = request
        record = self._build_record = request.pending_record(self.surface)
        self._build = asyncio.get_running_loop().create_task(self._replace())
        return record

    async def force_reload(self) -> ReloadRecord:
        """The keyboard reload: always a new capsule generation. Returns its final record."""
        self.request_replace({Row.TOOLS}, [self.project.tools_dir])
        await self.wait_idle()
        return self._last_record

    async def wait_idle(self) -> None:
        """Wait until no new generation is starting."""
        while self._build is not None and not self._build.done():
            await asyncio.wait({self._build})  # a superseded build ends cancelled; the next one is waited for

    async def _replace(self) -> None:
        attempt = Attempt(self._request, self.surface, time.perf_counter())
        venv_before = self._venv.choice()
        starting = Starting()
        failed_stage = ""
        try:
            python, installed = await self._venv.prepare(set(attempt.request.rows))
            if installed is not None and not installed.ok:
                failed_stage = "install"
                tail = "\n".join(installed.output.strip().splitlines()[-12:])
                hint = "fix requirements.txt and save again (log: data/logs/install.log)"
                self._finish(attempt.failed("install", "pip install -r requirements.txt failed", tail, hint))
                return
            try:
                gen, warm = await self._start_generation(python, starting)
            except StartFailed as exc:
                failed_stage = "start"
                hint, detail = "fix the file and save again", {"failed_generation": exc.number}
                self._finish(attempt.failed("start", _NOT_STARTED, exc.detail, hint, detail))
                return
            self._make_current(attempt, gen, warm, installed)
            starting = Starting()  # it is a generation now: nothing left to abandon
        except asyncio.CancelledError:
            # before any await: the newer build that cancelled this one starts from DIR/.venv as it was
            self._venv.restore(venv_before)
            await starting.abandon()
            raise
        except Exception as exc:  # anything unexpected is a failed reload, never a silent one
            await starting.abandon()
            failed_stage = "start"
            self._finish(attempt.failed("start", _NOT_STARTED, f"{type(exc).__name__}: {exc}"))
        finally:
            if failed_stage:
                self._venv.restore(venv_before)
                self._after_failed_build(attempt.request.restart_of, failed_stage)
            self._prune()
            if not self._closed:
                self._spawner.prepare_spare()

    async def _start_generation(self, python: str, starting: Starting) -> tuple[Generation, bool]:
        """A capsule process on ``python`` that answered with its tools; True when it was the warm spare."""
        await self._spawner.spare_started()
        env, env_hash, startup = self._spawner.env()
        starting.proc, warm = await self._spawner.take(python, startup)
        self._generation_counter += 1
        number = self._generation_counter
        tools = self._redacted(
            await self._spawner.handshake(starting, number, env, self.config.start_timeout)
        )
        assert starting.conn is not None
        gen = Generation(
            number=number,
            conn=starting.conn,
            tools=tools,
            python=python,
            env_hash=env_hash,
            venv=venvs.python_key(python),
            started_at=asyncio.get_running_loop().time(),
        )
        return gen, warm

    def _redacted(self, tools: list[ToolSpec]) -> list[ToolSpec]:
        """The tools as the model and the front ends see them: a ``.env`` secret in a description or a schema (a
        parameter's default read from the environment) is redacted; the capsule still calls with the value."""
        return [
            replace(
                t,
                description=self.redact(t.description),
                input_schema=json.loads(self.redact(json.dumps(t.input_schema))),
            )
            for t in tools
        ]

    def _make_current(
        self, attempt: Attempt, gen: Generation, warm: bool, installed: venvs.InstallResult | None
    ) -> None:
        gen.venv_lock = self._venv.hold(gen.venv)
        self._live.append(gen)
        self._supervisor.watch(gen)
        # the identity may name the tools, so it is re-rendered with the new list
        identity = render_identity(self.project, self.config.name, [t.name for t in gen.tools])
        self._set_surface(
            replace(
                self.surface,
                revision=self.revisions.reserve(self.revision),
                generation=gen,
                tools=gen.tools,
                identity=identity,
            )
        )
        self._supervisor.resolve(gen)
        self._finish(attempt.applied(self.surface, warm, installed, self.project.root))
        previous = attempt.old.generation
        if previous is not None and previous.state != GenerationState.EXITED:
            task = asyncio.get_running_loop().create_task(self._retire(previous))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    def _finish(self, record: ReloadRecord) -> None:
        self._last_record = record
        self._on_record(record)

    # -- unexpected exits -----------------------------------------------------------------------------------

    def _on_exit(self, gen: Generation, code: int) -> None:
        if self._closed or gen.closing or gen.state in ENDED:
            return
        was_current = self.surface.generation is gen
        gen.state = GenerationState.EXITED
        gen.exit_code = code
        if gen.conn.proc.stdin is not None:
            gen.conn.proc.stdin.close()
        end_capsule(gen.pid)  # what its tools started dies with it
        self._drop(gen)
        if not was_current:  # a draining generation: its in-flight calls already have their error results
            gen.why_not_replaced = f"the next turn uses generation {self.surface.generation_number}"
            self._prune()
            return
        record, restart = self._supervisor.crashed(gen, self.surface.revision, self.project.tools_dir)
        self._on_record(record)
        if restart and (self._build is None or self._build.done()):
            self._on_record(
                self.request_replace({Row.TOOLS}, [self.project.tools_dir], restart_of=gen.number)
            )
        # else: the build already starting replaces it (and if that fails, _after_failed_build restarts it)

    def _rearm(self, dead: Generation) -> None:
        """The crash-loop breaker's quiet window passed: start the tools again, unless a save already did."""
        if not self._closed and self.surface.generation is dead:
            self._on_record(
                self.request_replace({Row.TOOLS}, [self.project.tools_dir], restart_of=dead.number)
            )

    def _after_failed_build(self, restart_of: int | None, stage: str) -> None:
        exited = self._supervisor.exited
        if not exited or self._closed:
            return
        if (
            restart_of is None and stage == "install"
        ):  # the tools themselves were fine: restart on the old venv
            dead = exited[-1]
            self._on_record(
                self.request_replace({Row.TOOLS}, [self.project.tools_dir], restart_of=dead.number)
            )
            return
        self._supervisor.resolve(None, "the new generation did not start (see the reload log)")

    # -- retirement ----------------------------------------------------------------------------------------

    def _drop(self, gen: Generation) -> None:
        """``gen`` no longer runs: forget it, and let go of its venv."""
        if gen in self._live:
            self._live.remove(gen)
        venvs.release(gen.venv_lock)
        gen.venv_lock = None

    def _prune(self) -> None:
        """Remove venvs no live generation, spare or pending install uses (never DIR/.venv's target)."""
        in_use = [g.venv for g in self._live]
        if self._spawner.spare is not None:
            in_use.append(self._spawner.spare.key)
        self._venv.prune(in_use)

    async def _retire(self, gen: Generation) -> None:
        hung = await drain(gen, self.drain_timeout)
        self._drop(gen)
        if hung:
            self._on_record(
                killed_record(gen, hung, self.drain_timeout, self.surface, self.project.tools_dir)
            )
        self._prune()

    async def close(self) -> None:
        self._closed = self._spawner.closed = True
        if self._build is not None and not self._build.done():
            self._build.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._build
        await self._spawner.close()
        for task in list(self._retiring):
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)
        for g in list(self._live):
            g.closing = True
            if g.state != GenerationState.KILLED:
                g.state = GenerationState.CLOSED
            await close_capsule(g.conn)
            self._drop(g)
        await self._supervisor.close()
        await self._spawner.close_log()  # the last lines the capsules wrote reach the log
