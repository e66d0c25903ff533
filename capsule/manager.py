"""Capsule generations: validation before current, coalescing, pinning, drain and retirement.

The manager owns the *surface*: an immutable snapshot (revision, capsule generation, identity, prompts, tool
declarations). ``pin()`` hands a turn the current surface; every tool call of that turn goes to the pinned
surface's generation, whatever becomes current meanwhile.

A change that replaces the capsule (tools, ``.env``, ``requirements.txt``) starts a new generation: a new
process (the warm spare when there is one) must import every tool file and answer ``tools/list`` before it
becomes current. If it fails, the old generation stays current and a ``failed`` record says why: there is never
a mixed surface. A newer request cancels an older one still starting (its record is ``skipped``). The old
generation is drained: it is closed once no turn is pinned to it and no call is in flight, and killed (whole
process group) when the drain deadline passes first; the kill is reported with a record.

All methods run on the event loop's thread; ``apply`` is synchronous and quick (it only schedules the slow
parts), so the runtime's reload scope can call it from the coordinator's thread through the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dapper_tui.capsule.connection import CapsuleConnection, CapsuleError
from dapper_tui.capsule.project import AgentConfig, AgentProject, Row
from dapper_tui.capsule.prompts import Identity, Prompt, render_identity, scan_prompts
from dapper_tui.capsule.tools import ToolSpec
from dapper_tui.capsule.venv import install_requirements, needs_install
from dapper_tui.reload.record import ReloadRecord


@dataclass
class Generation:
    number: int
    conn: CapsuleConnection
    tools: list[ToolSpec]
    python: str
    env_hash: dict[str, str]
    pins: int = 0
    state: str = "current"  # current | draining | closed | killed
    in_flight: dict[int, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.conn.pid


@dataclass(frozen=True)
class Surface:
    revision: int
    generation: Generation | None
    identity: Identity
    prompts: dict[str, Prompt]
    tools: list[ToolSpec]
    scripts: dict[str, str]

    @property
    def generation_number(self) -> int:
        return self.generation.number if self.generation else 0


@dataclass
class _Spare:
    proc: asyncio.subprocess.Process
    python: str


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _scripts(project: AgentProject) -> dict[str, str]:
    root = project.scripts_dir
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): _hash(p.read_text(encoding="utf-8", errors="replace"))
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _diff(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    return added, changed, removed


def _spec_from_wire(raw: dict[str, Any]) -> ToolSpec:
    meta = raw.get("_meta") or {}
    return ToolSpec(
        name=raw["name"],
        description=raw.get("description") or "",
        input_schema=raw.get("inputSchema") or {"type": "object"},
        source_hash=str(meta.get("dapper/sourceHash", "")),
        file=str(meta.get("dapper/file", "")),
    )


class CapsuleManager:
    def __init__(
        self,
        project: AgentProject,
        config: AgentConfig,
        on_record: Callable[[ReloadRecord], None],
        *,
        drain_timeout: float | None = None,
        warm_spare: bool | None = None,
    ) -> None:
        self.project = project
        self.config = config
        self.drain_timeout = config.drain_timeout if drain_timeout is None else drain_timeout
        self.warm_spare = config.warm_spare if warm_spare is None else warm_spare
        self._on_record = on_record
        self._generation_counter = 0
        self._spawn_counter = 0
        self._build: asyncio.Task[None] | None = None
        self._build_rows: set[Row] = set()
        self._build_paths: list[str] = []
        self._build_record: ReloadRecord | None = None
        self._spare: _Spare | None = None
        self._spare_task: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._closed = False
        self._log_file = open(project.logs_dir / "capsule.log", "ab", buffering=0)  # noqa: SIM115
        self._revision_waiters: list[tuple[int, asyncio.Future[Surface]]] = []
        self._live: list[Generation] = []
        self._last_record = ReloadRecord(scope="agent", outcome="skipped", path=str(project.root))
        self.surface = Surface(
            revision=0,
            generation=None,
            identity=render_identity(project, config.name, []),
            prompts=scan_prompts(project),
            tools=[],
            scripts=_scripts(project),
        )

    # -- surface ---------------------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        return self.surface.revision

    @property
    def generations(self) -> list[Generation]:
        """Live generations, oldest first (the current one and any still draining)."""
        return list(self._live)

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
            surface.generation.pins += 1
        return surface

    def unpin(self, surface: Surface) -> None:
        if surface.generation is not None:
            surface.generation.pins -= 1

    async def call(self, surface: Surface, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        gen = surface.generation
        if gen is None:
            return "no capsule is running (the tools failed to load; fix them and save)", True
        if gen.state in ("closed", "killed"):
            return f"capsule generation {gen.number} was {gen.state} before this call", True
        key = id(asyncio.current_task())
        gen.in_flight[key] = name
        try:
            return await gen.conn.call_tool(name, arguments)
        except CapsuleError as exc:
            reason = "killed at the drain deadline" if gen.state == "killed" else str(exc)
            return f"capsule generation {gen.number}: {reason}", True
        finally:
            gen.in_flight.pop(key, None)

    # -- start / replace ------------------------------------------------------------------------------------

    async def start(self) -> ReloadRecord:
        """Start the first generation (a failure leaves a surface without tools, and a failed record)."""
        self._build_rows = {Row.TOOLS}
        if needs_install(self.project):
            self._build_rows.add(Row.REQUIREMENTS)
        self._build_paths = [str(self.project.tools_dir)]
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
                records.append(
                    ReloadRecord(
                        scope="agent",
                        outcome="restart-required",
                        path=str(row_paths[0]),
                        message=f"{', '.join(p.name for p in row_paths)} changed: restart the agent to apply it",
                        hint="agent.toml and module wiring are too broad to apply to a running session",
                        detail={"row": row.value, "paths": [str(p) for p in row_paths]},
                    )
                )
            elif row is Row.IDENTITY:
                records.append(self._apply_identity(row_paths))
            elif row is Row.PROMPTS:
                records.append(self._apply_prompts(row_paths))
            elif row is Row.SCRIPTS:
                records.append(self._apply_scripts(row_paths))
        capsule_rows = {r for r in rows if r.replaces_capsule}
        if capsule_rows:
            records.append(self.request_replace(capsule_rows, [p for r in capsule_rows for p in rows[r]]))
        return records

    def _record(self, outcome: str, paths: list[Path], message: str, **kwargs: Any) -> ReloadRecord:
        return ReloadRecord(scope="agent", outcome=outcome, path=str(paths[0]), message=message, **kwargs)  # type: ignore[arg-type]

    def _apply_instant(
        self,
        row: str,
        paths: list[Path],
        before: dict[str, str],
        after: dict[str, str],
        message: str,
        started: float,
        detail: dict[str, Any] | None = None,
        **surface: Any,
    ) -> ReloadRecord:
        """A row applied in place (no new capsule): a new surface revision when anything changed."""
        added, changed, removed = _diff(before, after)
        if not (added or changed or removed):
            return self._record("skipped", paths, f"{row} unchanged", detail={"row": row})
        old = self.surface
        self._set_surface(replace(old, revision=old.revision + 1, **surface))
        return self._record(
            "applied",
            paths,
            message,
            added=added,
            changed=changed,
            removed=removed,
            counters={"revision": self.surface.revision, "generation": old.generation_number},
            duration_ms=(time.perf_counter() - started) * 1000,
            detail={"row": row, **(detail or {})},
        )

    def _apply_identity(self, paths: list[Path]) -> ReloadRecord:
        started = time.perf_counter()
        old = self.surface
        identity = render_identity(self.project, self.config.name, [t.name for t in old.tools])
        if identity.text == old.identity.text:
            return self._record("skipped", paths, "identity unchanged", detail={"row": "identity"})
        return self._apply_instant(
            "identity",
            paths,
            {k: _hash(v) for k, v in old.identity.sources.items()},
            {k: _hash(v) for k, v in identity.sources.items()},
            "identity re-rendered for future turns",
            started,
            {"identity_digest": identity.digest},
            identity=identity,
        )

    def _apply_prompts(self, paths: list[Path]) -> ReloadRecord:
        started = time.perf_counter()
        try:
            prompts = scan_prompts(self.project)
        except (OSError, UnicodeDecodeError) as exc:
            return self._record("failed", paths, f"prompts not rescanned: {exc}", detail={"row": "prompts"})
        return self._apply_instant(
            "prompts",
            paths,
            {k: _hash(json.dumps(p.to_dict(), sort_keys=True)) for k, p in self.surface.prompts.items()},
            {k: _hash(json.dumps(p.to_dict(), sort_keys=True)) for k, p in prompts.items()},
            f"prompt metadata rescanned ({len(prompts)} prompts)",
            started,
            prompts=prompts,
        )

    def _apply_scripts(self, paths: list[Path]) -> ReloadRecord:
        started = time.perf_counter()
        scripts = _scripts(self.project)
        return self._apply_instant(
            "scripts",
            paths,
            self.surface.scripts,
            scripts,
            "script source updated for future invocations",
            started,
            scripts=scripts,
        )

    def request_replace(self, rows: set[Row], paths: list[Path]) -> ReloadRecord:
        """Schedule a new generation. A build still starting is cancelled and folded into this one."""
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
            rows = rows | self._build_rows
            paths = [*[Path(p) for p in self._build_paths], *paths]
        self._build_rows = set(rows)
        self._build_paths = sorted({str(p) for p in paths})
        record = ReloadRecord(
            scope="agent",
            outcome="pending",
            path=self._build_paths[0],
            message="starting a new capsule generation (" + ", ".join(sorted(r.value for r in rows)) + ")",
            counters={"revision": self.surface.revision, "generation": self.surface.generation_number},
            detail={"rows": sorted(r.value for r in rows), "paths": self._build_paths},
        )
        self._build_record = record
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

    def _env(self) -> tuple[dict[str, str], dict[str, str]]:
        dotenv = self.project.env()
        env = {**os.environ, **dotenv, "PYTHONUNBUFFERED": "1"}
        return env, {k: _hash(v) for k, v in dotenv.items()}

    async def _spawn(self, python: str) -> asyncio.subprocess.Process:
        self._spawn_counter += 1
        return await asyncio.create_subprocess_exec(
            python,
            "-u",
            "-m",
            "dapper_tui.capsule.host",
            str(self.project.root),
            "--spare",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._log_file,
            cwd=self.project.root,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
            limit=64 * 1024 * 1024,
        )

    async def _take_process(self, python: str) -> tuple[asyncio.subprocess.Process, bool]:
        spare = self._spare
        self._spare = None
        if spare is not None and spare.python == python and spare.proc.returncode is None:
            return spare.proc, True
        if spare is not None:
            await self._discard(spare.proc)
        return await self._spawn(python), False

    async def _discard(self, proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
        # read the pipes to their end so the transport closes now, not at garbage collection
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.communicate(), 2.0)

    def _prepare_spare(self) -> None:
        if not self.warm_spare or self._closed or self._spare is not None:
            return

        async def make() -> None:
            python = self.project.python()
            proc = await self._spawn(python)
            if self._closed or self._spare is not None:
                await self._discard(proc)
                return
            self._spare = _Spare(proc, python)

        self._spare_task = asyncio.get_running_loop().create_task(make())

    async def _replace(self) -> None:
        rows = set(self._build_rows)
        paths = [Path(p) for p in self._build_paths]
        started = time.perf_counter()
        old = self.surface
        proc: asyncio.subprocess.Process | None = None
        conn: CapsuleConnection | None = None
        try:
            if Row.REQUIREMENTS in rows and self.project.uses_venv():
                result = await install_requirements(self.project)
                if not result.ok:
                    tail = "\n".join(result.output.strip().splitlines()[-12:])
                    self._finish(
                        self._record(
                            "failed",
                            paths,
                            f"pip install -r requirements.txt failed; generation {old.generation_number} stays "
                            f"current\n{tail}",
                            hint="fix requirements.txt and save again (log: data/logs/install.log)",
                            duration_ms=(time.perf_counter() - started) * 1000,
                            counters={"revision": old.revision, "generation": old.generation_number},
                            detail={"rows": sorted(r.value for r in rows), "stage": "install"},
                        )
                    )
                    return
            python = self.project.python()
            if self._spare_task is not None and not self._spare_task.done():
                await asyncio.shield(self._spare_task)
            proc, warm = await self._take_process(python)
            self._generation_counter += 1
            number = self._generation_counter
            env, env_hash = self._env()
            status_file = self.project.logs_dir / f"capsule-{os.getpid()}-{number}.status.json"
            status_file.unlink(missing_ok=True)
            assert proc.stdin is not None
            proc.stdin.write(
                json.dumps({"env": env, "generation": number, "status_file": str(status_file)}).encode()
                + b"\n"
            )
            conn = CapsuleConnection(proc)
            try:
                await conn.initialize(timeout=self.config.start_timeout)
                wire = await conn.list_tools(timeout=self.config.start_timeout)
            except (CapsuleError, TimeoutError, ConnectionError) as exc:
                await conn.close(timeout=1.0)
                detail = self._load_failure(status_file) or str(exc) or type(exc).__name__
                self._finish(
                    self._record(
                        "failed",
                        paths,
                        f"new capsule did not start; generation {old.generation_number} stays current\n{detail}",
                        hint="fix the file and save again",
                        duration_ms=(time.perf_counter() - started) * 1000,
                        counters={"revision": old.revision, "generation": old.generation_number},
                        detail={
                            "rows": sorted(r.value for r in rows),
                            "stage": "start",
                            "failed_generation": number,
                        },
                    )
                )
                return
            finally:
                status_file.unlink(missing_ok=True)
            tools = [_spec_from_wire(t) for t in wire]
            gen = Generation(number=number, conn=conn, tools=tools, python=python, env_hash=env_hash)
            self._live.append(gen)
            previous = old.generation
            # the identity may name the tools, so it is re-rendered with the new list
            identity = render_identity(self.project, self.config.name, [t.name for t in tools])
            self._set_surface(
                replace(
                    self.surface,
                    revision=self.surface.revision + 1,
                    generation=gen,
                    tools=tools,
                    identity=identity,
                )
            )
            added, changed, removed = _diff(
                {
                    t.name: t.source_hash + _hash(json.dumps(t.input_schema, sort_keys=True)) + t.description
                    for t in old.tools
                },
                {
                    t.name: t.source_hash + _hash(json.dumps(t.input_schema, sort_keys=True)) + t.description
                    for t in tools
                },
            )
            env_changed: list[str] = []
            if previous is not None:
                e_added, e_changed, e_removed = _diff(previous.env_hash, env_hash)
                env_changed = e_added + e_changed + e_removed
            message = f"generation {number} current ({len(tools)} tools)"
            if Row.ENV in rows:
                message += "; environment reloaded" + (
                    f" ({', '.join(env_changed)} changed)" if env_changed else ""
                )
            if Row.REQUIREMENTS in rows:
                message += "; requirements installed into .venv"
            self._finish(
                self._record(
                    "applied",
                    paths,
                    message,
                    added=added,
                    changed=changed,
                    removed=removed,
                    counters={"revision": self.surface.revision, "generation": number},
                    duration_ms=(time.perf_counter() - started) * 1000,
                    detail={
                        "rows": sorted(r.value for r in rows),
                        "warm_spare": warm,
                        "pid": gen.pid,
                        "python": python,
                        "env_keys_changed": env_changed,
                        "previous_generation": previous.number if previous else 0,
                    },
                )
            )
            if previous is not None:
                task = asyncio.get_running_loop().create_task(self._retire(previous))
                self._retiring.add(task)
                task.add_done_callback(self._retiring.discard)
            proc = conn = None
        except asyncio.CancelledError:
            if conn is not None:
                conn.kill()
                await conn.close(timeout=1.0)
            elif proc is not None:
                await self._discard(proc)
            raise
        except Exception as exc:  # anything unexpected is a failed reload, never a silent one
            if conn is not None:
                conn.kill()
                await conn.close(timeout=1.0)
            elif proc is not None:
                await self._discard(proc)
            self._finish(
                self._record(
                    "failed",
                    paths,
                    f"new capsule did not start; generation {old.generation_number} stays current\n"
                    f"{type(exc).__name__}: {exc}",
                    counters={"revision": old.revision, "generation": old.generation_number},
                    detail={"rows": sorted(r.value for r in rows), "stage": "start"},
                )
            )
        finally:
            if not self._closed:
                self._prepare_spare()

    def _load_failure(self, status_file: Path) -> str:
        try:
            status = json.loads(status_file.read_text())
        except (OSError, ValueError):
            return ""
        return "\n".join(f"{Path(f['file']).name}: {f['error']}" for f in status.get("failures", []))

    def _finish(self, record: ReloadRecord) -> None:
        self._last_record = record
        self._on_record(record)

    async def _retire(self, gen: Generation) -> None:
        gen.state = "draining"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.drain_timeout
        while gen.pins > 0 or gen.in_flight:
            if loop.time() >= deadline:
                hung = sorted(set(gen.in_flight.values()))
                gen.state = "killed"
                gen.conn.kill()
                await gen.conn.close(timeout=2.0)
                if gen in self._live:
                    self._live.remove(gen)
                what = f"tool {', '.join(hung)} still running" if hung else f"{gen.pins} turn(s) still pinned"
                self._on_record(
                    ReloadRecord(
                        scope="agent",
                        outcome="applied",
                        path=str(self.project.tools_dir),
                        message=f"generation {gen.number} killed: {what} after the {self.drain_timeout:g} s "
                        "drain deadline",
                        warnings=[f"killed generation {gen.number} (pid {gen.pid}): {what}"],
                        counters={
                            "revision": self.surface.revision,
                            "generation": self.surface.generation_number,
                        },
                        detail={
                            "event": "killed",
                            "killed_generation": gen.number,
                            "tools": hung,
                            "pid": gen.pid,
                        },
                    )
                )
                return
            await asyncio.sleep(0.02)
        await gen.conn.close(timeout=2.0)
        gen.state = "closed"
        if gen in self._live:
            self._live.remove(gen)

    async def close(self) -> None:
        self._closed = True
        if self._build is not None and not self._build.done():
            self._build.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._build
        if self._spare_task is not None and not self._spare_task.done():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._spare_task
        if self._spare is not None:
            await self._discard(self._spare.proc)
            self._spare = None
        for task in list(self._retiring):
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)
        for g in self._live:
            if g.state != "killed":
                g.state = "closed"
            await g.conn.close(timeout=2.0)
        self._live.clear()
        self._log_file.close()
