"""Rows applied in place, without a new capsule: identity, prompts and scripts; and the rows that need a restart.

Each instant row compares a hash per entry before and after; when anything changed the result is a new surface
(one revision up) and an ``applied`` record, otherwise a ``skipped`` record and no new surface.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from dapper_tui.capsule.project import AgentConfig, AgentProject, Row
from dapper_tui.capsule.prompts import render_identity, scan_prompts
from dapper_tui.capsule.surface import Surface, diff, hash_text, script_hashes, script_sources
from dapper_tui.reload.record import Outcome, ReloadRecord

Applied = tuple[ReloadRecord, Surface | None]  # the record, and the new surface when the row changed anything


def agent_record(outcome: Outcome, paths: list[Path], message: str, **kwargs: Any) -> ReloadRecord:
    return ReloadRecord(scope="agent", outcome=outcome, path=str(paths[0]), message=message, **kwargs)


def restart_record(row: Row, paths: list[Path]) -> ReloadRecord:
    return ReloadRecord(
        scope="agent",
        outcome="restart-required",
        path=str(paths[0]),
        message=f"{', '.join(p.name for p in paths)} changed: restart the agent to apply it",
        hint="agent.toml and module wiring are too broad to apply to a running session",
        detail={"row": row.value, "paths": [str(p) for p in paths]},
    )


def apply_instant_row(
    row: Row, project: AgentProject, config: AgentConfig, surface: Surface, paths: list[Path]
) -> Applied:
    """Apply an identity, prompts or scripts change to ``surface``."""
    if row is Row.IDENTITY:
        return _apply_identity(project, config, surface, paths)
    if row is Row.PROMPTS:
        return _apply_prompts(project, surface, paths)
    if row is Row.SCRIPTS:
        return _apply_scripts(project, surface, paths)
    raise ValueError(f"{row.value} is not an instant row")


def _apply_instant(
    old: Surface,
    row: str,
    paths: list[Path],
    hashes: tuple[dict[str, str], dict[str, str]],
    message: str,
    started: float,
    detail: dict[str, Any] | None = None,
    **changes: Any,
) -> Applied:
    """A new surface revision with ``changes`` when any hash in ``hashes`` (before, after) differs."""
    added, changed, removed = diff(*hashes)
    if not (added or changed or removed):
        return agent_record("skipped", paths, f"{row} unchanged", detail={"row": row}), None
    new = replace(old, revision=old.revision + 1, **changes)
    record = agent_record(
        "applied",
        paths,
        message,
        added=added,
        changed=changed,
        removed=removed,
        counters={"revision": new.revision, "generation": old.generation_number},
        duration_ms=(time.perf_counter() - started) * 1000,
        detail={"row": row, **(detail or {})},
    )
    return record, new


def _apply_identity(project: AgentProject, config: AgentConfig, old: Surface, paths: list[Path]) -> Applied:
    started = time.perf_counter()
    identity = render_identity(project, config.name, [t.name for t in old.tools])
    if identity.text == old.identity.text:
        return agent_record("skipped", paths, "identity unchanged", detail={"row": "identity"}), None
    return _apply_instant(
        old,
        "identity",
        paths,
        (
            {k: hash_text(v) for k, v in old.identity.sources.items()},
            {k: hash_text(v) for k, v in identity.sources.items()},
        ),
        "identity re-rendered for future turns",
        started,
        {"identity_digest": identity.digest},
        identity=identity,
    )


def _apply_prompts(project: AgentProject, old: Surface, paths: list[Path]) -> Applied:
    started = time.perf_counter()
    try:
        prompts = scan_prompts(project)
    except (OSError, UnicodeDecodeError) as exc:
        return agent_record("failed", paths, f"prompts not rescanned: {exc}", detail={"row": "prompts"}), None
    return _apply_instant(
        old,
        "prompts",
        paths,
        (
            {k: hash_text(json.dumps(p.to_dict(), sort_keys=True)) for k, p in old.prompts.items()},
            {k: hash_text(json.dumps(p.to_dict(), sort_keys=True)) for k, p in prompts.items()},
        ),
        f"prompt metadata rescanned ({len(prompts)} prompts)",
        started,
        prompts=prompts,
    )


def _apply_scripts(project: AgentProject, old: Surface, paths: list[Path]) -> Applied:
    started = time.perf_counter()
    sources = script_sources(project)
    scripts = script_hashes(sources)
    return _apply_instant(
        old,
        "scripts",
        paths,
        (old.scripts, scripts),
        "script source updated for future invocations",
        started,
        scripts=scripts,
        script_sources=sources,
    )
