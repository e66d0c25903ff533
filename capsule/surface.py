"""The surface: an immutable snapshot of what a turn sees (revision, generation, identity, prompts, tools, scripts).

``CapsuleManager.pin()`` hands a turn the current surface; every tool call of that turn goes to the pinned
surface's generation, and ``run_script`` runs the pinned surface's script source.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from dapper_tui.capsule.generation import Generation
from dapper_tui.capsule.project import AgentProject
from dapper_tui.capsule.prompts import Identity, Prompt
from dapper_tui.capsule.scripts import script_name, scripts_on_disk
from dapper_tui.capsule.tools import ToolSpec


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


def hash_text(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()[:12]


def script_sources(project: AgentProject) -> dict[str, bytes]:
    root = project.scripts_dir
    sources: dict[str, bytes] = {}
    for name in scripts_on_disk(root):
        with contextlib.suppress(OSError):
            sources[name] = (root / name).read_bytes()
    return sources


def script_hashes(sources: dict[str, bytes]) -> dict[str, str]:
    return {name: hash_text(source) for name, source in sources.items()}


def script_meta(project: AgentProject, surface: Surface, name: object) -> dict[str, Any] | None:
    """The pinned revision's source of the script ``run_script`` was asked to run (for the host)."""
    if not isinstance(name, str):
        return None
    root = project.scripts_dir.resolve()
    try:
        name = script_name(name, list(surface.script_sources))
        rel = (root / name).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return None  # outside src/scripts, or ambiguous: the host refuses it
    source = surface.script_sources.get(rel)
    encoded = base64.b64encode(source).decode() if source is not None else None
    return {"dapper/script": {"revision": surface.revision, "source": encoded, "name": rel}}


def diff(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """The keys added, changed and removed between two ``name → hash`` maps."""
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    return added, changed, removed


def tool_hashes(tools: list[ToolSpec]) -> dict[str, str]:
    """What a tools diff compares: each tool's source, input schema and description."""
    return {
        t.name: t.source_hash + hash_text(json.dumps(t.input_schema, sort_keys=True)) + t.description
        for t in tools
    }


def spec_from_wire(raw: dict[str, Any]) -> ToolSpec:
    meta = raw.get("_meta") or {}
    return ToolSpec(
        name=raw["name"],
        description=raw.get("description") or "",
        input_schema=raw.get("inputSchema") or {"type": "object"},
        source_hash=str(meta.get("dapper/sourceHash", "")),
        file=str(meta.get("dapper/file", "")),
    )
