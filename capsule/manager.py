"""Capsule generations: validation before current, coalescing, pinning, drain and retirement.

The manager owns the *surface*: an immutable snapshot (revision, capsule generation, identity, prompts, tool
declarations). ``pin()`` hands a turn the current surface; every tool call of that turn goes to the pinned
surface's generation, whatever becomes current meanwhile.

A change that replaces the capsule (tools, ``.env``, ``requirements.txt``) starts a new generation: a new
process (the warm spare when there is one) must import every tool file and answer ``tools/list`` before it
becomes current. If it fails, the old generation stays current and a ``failed`` record says why: there is never
a mixed surface. A newer request cancels an older one still starting (its record is ``skipped``). The old
generation is drained: it is closed once no turn is pinned to it and no call is in flight. The drain deadline
applies to tool calls in flight only (a turn that merely has the generation pinned, waiting on a slow model,
keeps it): a call still running ``drain_timeout`` seconds into the drain gets its generation killed (whole
process group), and the kill is reported with a record.

A current generation whose process exits on its own (a tool called ``os._exit``, a segfault) is reported with a
``failed`` record and replaced by a new generation started from the same files. Turns pinned to the dead one go
on with the replacement when its surface is identical (same tool sources, environment and venv); otherwise their
next call is an error result and the next turn uses the replacement. Three exits in a row, each within
``QUICK_EXIT_S`` of starting, stop the restarts until the next save.

``requirements.txt`` goes into a fresh venv per digest (``capsule/venv.py``); ``DIR/.venv`` is switched to it
just before the new generation starts (and back if it does not start). A running capsule keeps importing from
the venv it started with, so a failed or slow install never changes a live generation's imports.

The capsules' stderr goes to ``data/logs/capsule.log`` through a redactor (``capsule/secrets.py``): a tool that
prints an API key does not leave it in the log.

All methods run on the event loop's thread; ``apply`` is synchronous and quick (it only schedules the slow
parts), so the runtime's reload scope can call it from the coordinator's thread through the loop.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dapper_tui.capsule import venv as venvs
from dapper_tui.capsule.connection import CapsuleConnection, CapsuleError
from dapper_tui.capsule.project import AgentConfig, AgentProject, Row
from dapper_tui.capsule.prompts import Identity, Prompt, render_identity, scan_prompts
from dapper_tui.capsule.secrets import Redactor, pump_redacted
from dapper_tui.capsule.tools import ToolSpec
from dapper_tui.capsule.venv import install_requirements, needs_install
from dapper_tui.reload.record import ReloadRecord

QUICK_EXIT_S = 10.0  # a generation that exits sooner than this after starting counts towards a crash loop
QUICK_EXITS_MAX = 3


@dataclass
class Generation:
    number: int
    conn: CapsuleConnection
    tools: list[ToolSpec]
    python: str
    env_hash: dict[str, str]
    venv: str = ""  # the resolved prefix its imports come from (``venv.python_key``)
    pins: int = 0
    state: str = "current"  # current | draining | closed | killed | exited
    in_flight: dict[int, str] = field(default_factory=dict)
    call_started: dict[int, float] = field(default_factory=dict)  # loop time each in-flight call started
    started_at: float = 0.0
    exit_code: int | None = None
    closing: bool = False  # the manager is closing or killing it: its exit is not a crash
    # after an unexpected exit: resolves to the replacement when its surface is identical, else to None
    successor: asyncio.Future[Generation | None] | None = None
    replaced_by: Generation | None = None
    why_not_replaced: str = ""
    venv_lock: int | None = None  # a shared flock on its venv while it runs (venv.hold)

    @property
    def pid(self) -> int:
        return self.conn.pid

    @property
    def signature(self) -> tuple[object, ...]:
        """What a turn pinned to this generation can observe: tool sources and declarations, env, venv."""
        tools = sorted(
            (t.name, t.source_hash, json.dumps(t.input_schema, sort_keys=True), t.description)
            for t in self.tools
        )
        return (tuple(tools), tuple(sorted(self.env_hash.items())), self.venv)

    @property
    def exit_text(self) -> str:
        code = self.exit_code
        if code is not None and code < 0:
            return f"was killed by signal {-code}"
        return f"exited with code {code}"


@dataclass(frozen=True)
class Surface:
    revision: int
    generation: Generation | None
    identity: Identity
    prompts: dict[str, Prompt]
    tools: list[ToolSpec]
    scripts: dict[str, str]  # script path → hash of its source
    script_sources: dict[str, bytes] = field(default_factory=dict, repr=False)  # what run_script runs

    @property
    def generation_number(self) -> int:
        return self.generation.number if self.generation else 0


@dataclass
class _Spare:
    proc: asyncio.subprocess.Process
    python: str
    key: str  # venv.python_key(python) when it was started
    startup: dict[str, str]  # the PYTHON* variables it was started with


def _hash(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()[:12]


def _script_sources(project: AgentProject) -> dict[str, bytes]:
    root = project.scripts_dir
    if not root.is_dir():
        return {}
    sources: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            with contextlib.suppress(OSError):
                sources[path.relative_to(root).as_posix()] = path.read_bytes()
    return sources


def _scripts(project: AgentProject) -> dict[str, str]:
    return {name: _hash(source) for name, source in _script_sources(project).items()}


def _startup_env(dotenv: dict[str, str]) -> dict[str, str]:
    """The ``.env`` entries the interpreter reads at start-up (``PYTHONPATH``, ``PYTHONHASHSEED``, ...)."""
    return {k: v for k, v in dotenv.items() if k.startswith("PYTHON")}


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
        self._build_restart_of: int | None = None  # the build replaces a generation that exited on its own
        self._spare: _Spare | None = None
        self._spare_task: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._watchers: set[asyncio.Task[None]] = set()
        self._pumps: set[asyncio.Task[None]] = set()
        self._closed = False
        self._quick_exits = 0
        self._exited: list[Generation] = []  # exited generations still waiting for their replacement
        self._install_lock = asyncio.Lock()
        self._python_override: str | None = None  # a digest venv used directly (DIR/.venv is not our symlink)
        self._venvs_used: set[str] = set()  # venvs this manager started generations on or installed
        self.redactor = Redactor(project)
        self.redactor.add(project.env())
        self._log_file = open(project.logs_dir / "capsule.log", "ab", buffering=0)  # noqa: SIM115
        self._revision_waiters: list[tuple[int, asyncio.Future[Surface]]] = []
        self._live: list[Generation] = []
        self._last_record = ReloadRecord(scope="agent", outcome="skipped", path=str(project.root))
        sources = _script_sources(project)
        self.surface = Surface(
            revision=0,
            generation=None,
            identity=render_identity(project, config.name, []),
            prompts=scan_prompts(project),
            tools=[],
            scripts={name: _hash(source) for name, source in sources.items()},
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

    @staticmethod
    def _followed(gen: Generation) -> Generation:
        while gen.replaced_by is not None:
            gen = gen.replaced_by
        return gen

    def pin(self) -> Surface:
        surface = self.surface
        if surface.generation is not None:
            self._followed(surface.generation).pins += 1
        return surface

    def unpin(self, surface: Surface) -> None:
        if surface.generation is not None:
            self._followed(surface.generation).pins -= 1

    async def _route(self, gen: Generation) -> tuple[Generation | None, str]:
        """The generation a call pinned to ``gen`` goes to: ``gen``, or the identical replacement of a dead one."""
        while gen.state == "exited":
            if gen.replaced_by is not None:
                gen = gen.replaced_by
                continue
            dead = f"capsule generation {gen.number} {gen.exit_text} before this call"
            successor = gen.successor
            if successor is None:
                return None, f"{dead}; {gen.why_not_replaced or 'no capsule is running'}"
            if not successor.done():
                try:
                    await asyncio.wait_for(asyncio.shield(successor), self.config.start_timeout + 5.0)
                except TimeoutError:
                    return None, f"{dead}; its replacement did not start in time"
                continue
            return None, f"{dead}; {gen.why_not_replaced or 'no capsule is running'}"
        return gen, ""

    def _script_meta(self, surface: Surface, name: object) -> dict[str, Any] | None:
        """The pinned revision's source of the script ``run_script`` was asked to run (for the host)."""
        if not isinstance(name, str):
            return None
        root = self.project.scripts_dir.resolve()
        try:
            rel = (root / name).resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            return None  # outside src/scripts: the host refuses it
        source = surface.script_sources.get(rel)
        encoded = base64.b64encode(source).decode() if source is not None else None
        return {"dapper/script": {"revision": surface.revision, "source": encoded}}

    async def call(self, surface: Surface, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        pinned = surface.generation
        if pinned is None:
            return "no capsule is running (the tools failed to load; fix them and save)", True
        gen, problem = await self._route(pinned)
        if gen is not None and gen.conn.closed.is_set() and not gen.closing and gen.state != "exited":
            await self._settle_exit(gen)  # it died since its last call: report it, then route again
            gen, problem = await self._route(pinned)
        if gen is None:
            return problem, True
        if gen.state in ("closed", "killed"):
            return f"capsule generation {gen.number} was {gen.state} before this call", True
        meta = None
        if name == "run_script" and any(t.name == name and t.file == "<builtin>" for t in surface.tools):
            meta = self._script_meta(surface, arguments.get("name"))
        loop = asyncio.get_running_loop()
        key = id(asyncio.current_task())
        gen.in_flight[key] = name
        gen.call_started[key] = loop.time()
        try:
            return await gen.conn.call_tool(name, arguments, meta)
        except CapsuleError as exc:
            if gen.state == "killed":
                return f"capsule generation {gen.number}: killed at the drain deadline", True
            if gen.conn.closed.is_set() and not gen.closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(gen.conn.proc.wait(), 2.0)
                gen.exit_code = gen.conn.proc.returncode
                after = (
                    "a new generation is starting (see the reload log)"
                    if self.surface.generation is gen
                    else f"the next turn uses generation {self.surface.generation_number}"
                )
                return (
                    f"capsule generation {gen.number} {gen.exit_text} during this call (tool {name}); {after}",
                    True,
                )
            return f"capsule generation {gen.number}: {exc}", True
        finally:
            gen.in_flight.pop(key, None)
            gen.call_started.pop(key, None)

    # -- start / replace ------------------------------------------------------------------------------------

    async def start(self) -> ReloadRecord:
        """Start the first generation (a failure leaves a surface without tools, and a failed record)."""
        self._build_rows = {Row.TOOLS}
        if needs_install(self.project):
            self._build_rows.add(Row.REQUIREMENTS)
        self._build_paths = [str(self.project.tools_dir)]
        self._build_record = None
        self._build_restart_of = None
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
        sources = _script_sources(self.project)
        scripts = {name: _hash(source) for name, source in sources.items()}
        return self._apply_instant(
            "scripts",
            paths,
            self.surface.scripts,
            scripts,
            "script source updated for future invocations",
            started,
            scripts=scripts,
            script_sources=sources,
        )

    def request_replace(
        self, rows: set[Row], paths: list[Path], *, restart_of: int | None = None
    ) -> ReloadRecord:
        """Schedule a new generation. A build still starting is cancelled and folded into this one."""
        if restart_of is None:
            self._quick_exits = 0  # a save (or the reload key) gets a fresh set of restarts
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
            restart_of = restart_of or self._build_restart_of
        self._build_rows = set(rows)
        self._build_paths = sorted({str(p) for p in paths})
        self._build_restart_of = restart_of
        what = ", ".join(sorted(r.value for r in rows))
        if restart_of is not None:
            what += f"; replaces generation {restart_of}, which exited"
        record = ReloadRecord(
            scope="agent",
            outcome="pending",
            path=self._build_paths[0],
            message=f"starting a new capsule generation ({what})",
            counters={"revision": self.surface.revision, "generation": self.surface.generation_number},
            detail={
                "rows": sorted(r.value for r in rows),
                "paths": self._build_paths,
                **({"restart_of": restart_of} if restart_of is not None else {}),
            },
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

    def _env(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """The capsule's environment, a hash per ``.env`` key, and the ``.env`` start-up variables."""
        dotenv = self.project.env()
        self.redactor.add(dotenv)  # before the capsule can print anything with it
        env = {**os.environ, **dotenv, "PYTHONUNBUFFERED": "1"}
        return env, {k: _hash(v) for k, v in dotenv.items()}, _startup_env(dotenv)

    def _python(self) -> str:
        """The interpreter a new generation runs on (the venv in use when the project has requirements)."""
        if not self.project.uses_venv():
            return sys.executable
        if self._python_override is not None and Path(self._python_override).exists():
            return self._python_override
        return self.project.python()

    def _write_log(self, data: bytes) -> None:
        if not self._log_file.closed:
            self._log_file.write(data)

    async def _spawn(self, python: str, startup: dict[str, str]) -> asyncio.subprocess.Process:
        self._spawn_counter += 1
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
            env={**os.environ, **startup, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
            limit=64 * 1024 * 1024,
        )
        assert proc.stderr is not None
        pump = asyncio.get_running_loop().create_task(
            pump_redacted(proc.stderr, self._write_log, self.redactor)
        )
        self._pumps.add(pump)
        pump.add_done_callback(self._pumps.discard)
        return proc

    async def _take_process(
        self, python: str, startup: dict[str, str]
    ) -> tuple[asyncio.subprocess.Process, bool]:
        spare = self._spare
        self._spare = None
        if (
            spare is not None
            and spare.python == python
            and spare.key == venvs.python_key(python)
            and spare.startup == startup
            and spare.proc.returncode is None
        ):
            return spare.proc, True
        if spare is not None:
            await self._discard(spare.proc)
        return await self._spawn(python, startup), False

    async def _discard(self, proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
        if proc.stdin is not None:
            proc.stdin.close()
        # read stdout to its end (the stderr pump reads the other pipe) so the transport closes now
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 2.0)
            if proc.stdout is not None:
                await asyncio.wait_for(proc.stdout.read(), 2.0)

    def _prepare_spare(self) -> None:
        if not self.warm_spare or self._closed or self._spare is not None:
            return

        async def make() -> None:
            python = self._python()
            key = venvs.python_key(python)
            startup = _startup_env(self.project.env())
            proc = await self._spawn(python, startup)
            if self._closed or self._spare is not None:
                await self._discard(proc)
                return
            self._spare = _Spare(proc, python, key, startup)

        self._spare_task = asyncio.get_running_loop().create_task(make())

    def _stays(self, old: Surface) -> str:
        gen = old.generation
        if gen is not None and gen.state == "exited":
            return f"generation {gen.number} {gen.exit_text}; no capsule is running"
        return f"generation {old.generation_number} stays current"

    async def _prepare_venv(self, rows: set[Row]) -> tuple[str, venvs.InstallResult | None]:
        """Install requirements when they changed; switch DIR/.venv to their venv. Returns the interpreter."""
        if not self.project.uses_venv():
            return sys.executable, None
        result: venvs.InstallResult | None = None
        async with self._install_lock:
            if Row.REQUIREMENTS in rows:
                result = await install_requirements(self.project)
                if not result.ok:
                    return self._python(), result
            else:  # a complete venv for the current requirements (a start that failed after its install)
                candidate = venvs.venv_for(self.project, venvs.requirements_digest(self.project))
                if venvs.installed(candidate, venvs.requirements_digest(self.project)):
                    result = venvs.InstallResult(True, "", 0.0, candidate, reused=True)
            if result is None or result.venv is None:
                return self._python(), None
            self._venvs_used.add(os.path.realpath(result.venv))
            if venvs.python_key(self._python()) == os.path.realpath(result.venv):
                return self._python(), result
            python = venvs.activate(self.project, result.venv)
            self._python_override = None if python == str(self.project.venv_python()) else python
            return python, result

    async def _replace(self) -> None:
        rows = set(self._build_rows)
        paths = [Path(p) for p in self._build_paths]
        restart_of = self._build_restart_of
        started = time.perf_counter()
        old = self.surface
        proc: asyncio.subprocess.Process | None = None
        conn: CapsuleConnection | None = None
        link_before = os.readlink(self.project.venv_dir) if self.project.venv_dir.is_symlink() else None
        override_before = self._python_override
        failed_stage = ""
        try:
            python, installed = await self._prepare_venv(rows)
            if installed is not None and not installed.ok:
                failed_stage = "install"
                tail = "\n".join(installed.output.strip().splitlines()[-12:])
                self._finish(
                    self._record(
                        "failed",
                        paths,
                        f"pip install -r requirements.txt failed; {self._stays(old)}\n{tail}",
                        hint="fix requirements.txt and save again (log: data/logs/install.log)",
                        duration_ms=(time.perf_counter() - started) * 1000,
                        counters={"revision": old.revision, "generation": old.generation_number},
                        detail={"rows": sorted(r.value for r in rows), "stage": "install"},
                    )
                )
                return
            if self._spare_task is not None and not self._spare_task.done():
                await asyncio.shield(self._spare_task)
            env, env_hash, startup = self._env()
            proc, warm = await self._take_process(python, startup)
            self._generation_counter += 1
            number = self._generation_counter
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
                failed_stage = "start"
                detail = self._load_failure(status_file) or str(exc) or type(exc).__name__
                self._finish(
                    self._record(
                        "failed",
                        paths,
                        f"new capsule did not start; {self._stays(old)}\n{detail}",
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
            gen = Generation(
                number=number,
                conn=conn,
                tools=tools,
                python=python,
                env_hash=env_hash,
                venv=venvs.python_key(python),
                started_at=asyncio.get_running_loop().time(),
            )
            if os.path.dirname(gen.venv) == os.path.realpath(self.project.root / ".dapper" / "venvs"):
                self._venvs_used.add(gen.venv)  # one of ours (not the runtime's own interpreter)
                gen.venv_lock = venvs.hold(Path(gen.venv))
            self._live.append(gen)
            self._watch(gen)
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
            self._resolve_exited(gen)
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
            if restart_of is not None:
                message += f"; replaces generation {restart_of}, which exited"
            if Row.ENV in rows:
                message += "; environment reloaded" + (
                    f" ({', '.join(env_changed)} changed)" if env_changed else ""
                )
            if Row.REQUIREMENTS in rows and installed is not None:
                where = os.path.relpath(installed.venv or "", self.project.root)
                message += f"; requirements installed into a new venv ({where}, now .venv)"
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
                        "venv": gen.venv,
                        "env_keys_changed": env_changed,
                        "previous_generation": previous.number if previous else 0,
                        **({"restart_of": restart_of} if restart_of is not None else {}),
                    },
                )
            )
            if previous is not None and previous.state != "exited":
                task = asyncio.get_running_loop().create_task(self._retire(previous))
                self._retiring.add(task)
                task.add_done_callback(self._retiring.discard)
            proc = conn = None
        except asyncio.CancelledError:
            # before any await: the newer build that cancelled this one starts from DIR/.venv as it was
            self._restore_venv(link_before, override_before)
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
            failed_stage = "start"
            self._finish(
                self._record(
                    "failed",
                    paths,
                    f"new capsule did not start; {self._stays(old)}\n{type(exc).__name__}: {exc}",
                    counters={"revision": old.revision, "generation": old.generation_number},
                    detail={"rows": sorted(r.value for r in rows), "stage": "start"},
                )
            )
        finally:
            if failed_stage:
                self._restore_venv(link_before, override_before)
                self._after_failed_build(restart_of, failed_stage)
            self._prune()
            if not self._closed:
                self._prepare_spare()

    def _restore_venv(self, link_before: str | None, override_before: str | None) -> None:
        """A generation that did not start leaves DIR/.venv where the generation in use has it."""
        link = self.project.venv_dir
        self._python_override = override_before
        if not link.is_symlink() or os.readlink(link) == link_before:
            return
        if link_before is None:
            link.unlink()
            return
        tmp = link.with_name(f".venv.tmp-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(link_before, tmp, target_is_directory=True)
        os.replace(tmp, link)

    def _load_failure(self, status_file: Path) -> str:
        try:
            status = json.loads(status_file.read_text())
        except (OSError, ValueError):
            return ""
        return "\n".join(f"{Path(f['file']).name}: {f['error']}" for f in status.get("failures", []))

    def _finish(self, record: ReloadRecord) -> None:
        self._last_record = record
        self._on_record(record)

    # -- unexpected exits -----------------------------------------------------------------------------------

    def _watch(self, gen: Generation) -> None:
        """Notice when ``gen``'s process exits without the manager asking it to."""

        async def watch() -> None:
            await gen.conn.closed.wait()
            await self._settle_exit(gen)

        task = asyncio.get_running_loop().create_task(watch())
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def _settle_exit(self, gen: Generation) -> None:
        """``gen``'s stdout ended: wait for its exit status, then handle the exit (once)."""
        proc = gen.conn.proc
        try:
            code = await asyncio.wait_for(proc.wait(), 5.0)
        except TimeoutError:  # stdout closed but the process lives on: it is no capsule any more
            gen.conn.kill()
            code = await proc.wait()
        self._on_exit(gen, code)

    def _on_exit(self, gen: Generation, code: int) -> None:
        if self._closed or gen.closing or gen.state in ("closed", "killed", "exited"):
            return
        was_current = self.surface.generation is gen
        gen.state = "exited"
        gen.exit_code = code
        if gen.conn.proc.stdin is not None:
            gen.conn.proc.stdin.close()
        self._drop(gen)
        if not was_current:  # a draining generation: its in-flight calls already have their error results
            gen.why_not_replaced = f"the next turn uses generation {self.surface.generation_number}"
            self._prune()
            return
        loop = asyncio.get_running_loop()
        quick = loop.time() - gen.started_at < QUICK_EXIT_S
        self._quick_exits = self._quick_exits + 1 if quick else 0
        gen.successor = loop.create_future()
        self._exited.append(gen)
        detail = {"event": "exited", "exited_generation": gen.number, "exit_code": code, "pid": gen.pid}
        counters = {"revision": self.surface.revision, "generation": gen.number}
        if self._quick_exits >= QUICK_EXITS_MAX:
            self._on_record(
                ReloadRecord(
                    scope="agent",
                    outcome="failed",
                    path=str(self.project.tools_dir),
                    message=f"capsule process {gen.exit_text}; not starting a new one: the last "
                    f"{self._quick_exits} generations each stopped within {QUICK_EXIT_S:g} s of starting",
                    hint="fix the tools and save, or reload",
                    counters=counters,
                    detail=detail,
                )
            )
            self._resolve_exited(None, "it stopped too often; fix the tools and save")
            return
        self._on_record(
            ReloadRecord(
                scope="agent",
                outcome="failed",
                path=str(self.project.tools_dir),
                message=f"capsule process {gen.exit_text}; starting a new one",
                counters=counters,
                detail=detail,
            )
        )
        if self._build is None or self._build.done():
            self._on_record(
                self.request_replace({Row.TOOLS}, [self.project.tools_dir], restart_of=gen.number)
            )
        # else: the build already starting replaces it (and if that fails, _after_failed_build restarts it)

    def _after_failed_build(self, restart_of: int | None, stage: str) -> None:
        if not self._exited or self._closed:
            return
        if (
            restart_of is None and stage == "install"
        ):  # the tools themselves were fine: restart on the old venv
            dead = self._exited[-1]
            self._on_record(
                self.request_replace({Row.TOOLS}, [self.project.tools_dir], restart_of=dead.number)
            )
            return
        self._resolve_exited(None, "the new generation did not start (see the reload log)")

    def _resolve_exited(self, new: Generation | None, why: str = "") -> None:
        """A build ended: generations that exited get ``new`` as their replacement when it is identical."""
        waiting, self._exited = self._exited, []
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

    # -- retirement ----------------------------------------------------------------------------------------

    def _drop(self, gen: Generation) -> None:
        """``gen`` no longer runs: forget it, and let go of its venv."""
        if gen in self._live:
            self._live.remove(gen)
        venvs.release(gen.venv_lock)
        gen.venv_lock = None

    def _prune(self) -> None:
        """Remove venvs no live generation, spare or pending install uses (never DIR/.venv's target)."""
        if self._install_lock.locked() or not self._venvs_used:
            return
        try:
            keep = {g.venv for g in self._live}
            if self._spare is not None:
                keep.add(self._spare.key)
            keep.add(venvs.python_key(self._python()))
            if self.project.uses_venv():
                keep.add(str(venvs.venv_for(self.project, venvs.requirements_digest(self.project))))
            for path in venvs.prune_venvs(self.project, self._venvs_used, keep):
                self._venvs_used.discard(str(path))
        except OSError:  # requirements.txt went away meanwhile, a folder is busy: the next prune retries
            pass

    async def _retire(self, gen: Generation) -> None:
        gen.state = "draining"
        loop = asyncio.get_running_loop()
        drain_started = loop.time()
        # a turn that only has it pinned (waiting on its model) keeps it; the deadline is for calls in flight
        while (gen.pins > 0 or gen.in_flight) and gen.state == "draining":
            now = loop.time()
            overdue = [
                key
                for key, began in list(gen.call_started.items())
                if key in gen.in_flight and now - max(began, drain_started) >= self.drain_timeout
            ]
            if overdue:
                hung = sorted(set(gen.in_flight.values()))
                gen.state = "killed"
                gen.closing = True
                gen.conn.kill()
                await gen.conn.close(timeout=2.0)
                self._drop(gen)
                what = f"tool {', '.join(hung)} still running"
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
                self._prune()
                return
            await asyncio.sleep(0.02)
        if gen.state == "draining":
            gen.closing = True
            await gen.conn.close(timeout=2.0)
            gen.state = "closed"
        self._drop(gen)
        self._prune()

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
        for g in list(self._live):
            g.closing = True
            if g.state != "killed":
                g.state = "closed"
            await g.conn.close(timeout=2.0)
            self._drop(g)
        self._resolve_exited(None, "the agent is closing")
        for task in list(self._watchers):
            task.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        if self._pumps:  # the last lines the capsules wrote reach the log
            _done, pending = await asyncio.wait(set(self._pumps), timeout=2.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._log_file.close()
