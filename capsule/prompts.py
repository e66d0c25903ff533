"""Prompt templates (``src/prompts/**``) with front matter, and the identity text (identity/system/boot).

A prompt file::

    ---
    name: summarize
    description: Summarize a file
    arguments: [path, style]
    ---
    Summarize {{path}} in a {{style}} style.

The identity is ``src/identity.md``, ``src/system.md`` and ``src/boot.md``, rendered into the system prompt of
future turns. ``{{name}}`` and ``{{tools}}`` are substituted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dapper_tui.capsule.project import IDENTITY_FILES, AgentProject

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n?", re.S)
_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


@dataclass(frozen=True)
class Prompt:
    name: str
    description: str
    arguments: list[str]
    body: str
    path: str
    meta: dict[str, Any] = field(default_factory=dict)

    def render(self, **values: str) -> str:
        return _VAR.sub(lambda m: str(values.get(m.group(1), m.group(0))), self.body)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scalar(text: str) -> Any:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(x) for x in text[1:-1].split(",") if x.strip()]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        return text


def parse_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A small YAML subset: ``key: value`` lines, ``[a, b]`` lists and ``- item`` list continuations."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    meta: dict[str, Any] = {}
    last: str | None = None
    for line in match.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        stripped = line.strip()
        if stripped.startswith("- ") and last is not None:
            if not isinstance(meta.get(last), list):
                meta[last] = []
            meta[last].append(_scalar(stripped[2:]))
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = key.strip()
            meta[last] = _scalar(value) if value.strip() else []
    return meta, text[match.end() :]


def load_prompt(path: Path, root: Path) -> Prompt:
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    rel = path.relative_to(root)
    default_name = rel.with_suffix("").as_posix()
    args = meta.get("arguments") or sorted(set(_VAR.findall(body)))
    if isinstance(args, str):
        args = [args]
    return Prompt(
        name=str(meta.get("name", default_name)),
        description=str(meta.get("description", "")),
        arguments=[str(a) for a in args],
        body=body,
        path=str(path),
        meta=meta,
    )


def scan_prompts(project: AgentProject) -> dict[str, Prompt]:
    root = project.prompts_dir
    prompts: dict[str, Prompt] = {}
    if not root.is_dir():
        return prompts
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and "__pycache__" not in path.parts:
            prompt = load_prompt(path, root)
            prompts[prompt.name] = prompt
    return prompts


@dataclass(frozen=True)
class Identity:
    text: str
    sources: dict[str, str]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]


def render_identity(project: AgentProject, name: str, tool_names: list[str]) -> Identity:
    """The system prompt for future turns, from identity.md, system.md and boot.md (in that order)."""
    sources: dict[str, str] = {}
    parts: list[str] = []
    values = {"name": name, "tools": ", ".join(tool_names)}
    for filename in IDENTITY_FILES:
        path = project.src / filename
        if path.exists():
            raw = path.read_text(encoding="utf-8")
            sources[filename] = raw
            _meta, body = parse_front_matter(raw)
            text = _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), body).strip()
            if text:
                parts.append(text)
    return Identity(text="\n\n".join(parts), sources=sources)
