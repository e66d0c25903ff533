"""A build: the request for a new capsule generation, and the records that report how it went.

Requests coalesce: a newer save while a build is still starting cancels it and asks for the union of both
(``BuildRequest.folded``). Each run of a build (an ``Attempt``) ends with exactly one record: ``applied`` when its
generation became current, ``failed`` (the stage says where) when the old generation stays.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dapper_tui.capsule import venv as venvs
from dapper_tui.capsule.generation import GenerationState
from dapper_tui.capsule.instant_rows import agent_record
from dapper_tui.capsule.project import Row
from dapper_tui.capsule.surface import Surface, diff, tool_hashes
from dapper_tui.reload.record import ReloadRecord


@dataclass(frozen=True)
class BuildRequest:
    """What the next generation is built for: the rows that changed, their paths, the generation it replaces."""

    rows: frozenset[Row]
    paths: tuple[str, ...]
    restart_of: int | None = None  # the build replaces a generation that exited on its own

    @classmethod
    def of(
        cls, rows: Iterable[Row], paths: Iterable[str | Path], restart_of: int | None = None
    ) -> BuildRequest:
        return cls(frozenset(rows), tuple(sorted({str(p) for p in paths})), restart_of)

    def folded(self, rows: set[Row], paths: list[Path], restart_of: int | None) -> BuildRequest:
        """This request and a newer one, as one."""
        return BuildRequest.of(self.rows | rows, [*self.paths, *paths], restart_of or self.restart_of)

    @property
    def row_names(self) -> list[str]:
        return sorted(r.value for r in self.rows)

    def restart_detail(self) -> dict[str, Any]:
        return {"restart_of": self.restart_of} if self.restart_of is not None else {}

    def pending_record(self, surface: Surface) -> ReloadRecord:
        what = ", ".join(self.row_names)
        if self.restart_of is not None:
            what += f"; replaces generation {self.restart_of}, which exited"
        return ReloadRecord(
            scope="agent",
            outcome="pending",
            path=self.paths[0],
            message=f"starting a new capsule generation ({what})",
            counters={"revision": surface.revision, "generation": surface.generation_number},
            detail={"rows": self.row_names, "paths": list(self.paths), **self.restart_detail()},
        )


@dataclass(frozen=True)
class Attempt:
    """One run of a build: its request, the surface it started from, and when it started."""

    request: BuildRequest
    old: Surface
    started: float

    @property
    def paths(self) -> list[Path]:
        return [Path(p) for p in self.request.paths]

    @property
    def duration_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def stays(self) -> str:
        """What happens to the generation in use when this build does not become current."""
        gen = self.old.generation
        if gen is not None and gen.state == GenerationState.EXITED:
            return f"generation {gen.number} {gen.exit_text}; no capsule is running"
        return f"generation {self.old.generation_number} stays current"

    def failed(
        self, stage: str, what: str, why: str, hint: str | None = None, detail: dict[str, Any] | None = None
    ) -> ReloadRecord:
        """The build did not become current: the old generation stays, and the record says why."""
        return agent_record(
            "failed",
            self.paths,
            f"{what}; {self.stays()}\n{why}",
            hint=hint,
            duration_ms=self.duration_ms,
            counters={"revision": self.old.revision, "generation": self.old.generation_number},
            detail={"rows": self.request.row_names, "stage": stage, **(detail or {})},
        )

    def applied(
        self, new: Surface, warm: bool, installed: venvs.InstallResult | None, root: Path
    ) -> ReloadRecord:
        """The build's generation is current in ``new``; ``warm`` when it was the warm spare."""
        gen = new.generation
        assert gen is not None
        previous = self.old.generation
        added, changed, removed = diff(tool_hashes(self.old.tools), tool_hashes(gen.tools))
        env_changed: list[str] = []
        if previous is not None:
            e_added, e_changed, e_removed = diff(previous.env_hash, gen.env_hash)
            env_changed = e_added + e_changed + e_removed
        rows, restart_of = self.request.rows, self.request.restart_of
        message = f"generation {gen.number} current ({len(gen.tools)} tools)"
        if restart_of is not None:
            message += f"; replaces generation {restart_of}, which exited"
        if Row.ENV in rows:
            message += "; environment reloaded" + (
                f" ({', '.join(env_changed)} changed)" if env_changed else ""
            )
        if Row.REQUIREMENTS in rows and installed is not None:
            where = os.path.relpath(installed.venv or "", root)
            message += f"; requirements installed into a new venv ({where}, now .venv)"
        return agent_record(
            "applied",
            self.paths,
            message,
            added=added,
            changed=changed,
            removed=removed,
            counters={"revision": new.revision, "generation": gen.number},
            duration_ms=self.duration_ms,
            detail={
                "rows": self.request.row_names,
                "warm_spare": warm,
                "pid": gen.pid,
                "python": gen.python,
                "venv": gen.venv,
                "env_keys_changed": env_changed,
                "previous_generation": previous.number if previous else 0,
                **self.request.restart_detail(),
            },
        )
