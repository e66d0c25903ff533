"""``agent init DIR``: an example agent project that works out of the box with the scripted model."""

from __future__ import annotations

from pathlib import Path

TEMPLATE: dict[str, str] = {
    "agent.toml": """\
# Changes to this file need a restart of the agent (reported, not applied).
name = "@NAME@"
# scripted (offline, default) | replay:FILE | openai:MODEL | anthropic:MODEL   (DAPPER_MODEL overrides)
model = "scripted"

[runtime]
drain_timeout = 30   # seconds an old capsule may take to finish in-flight tool calls before it is killed
max_steps = 8
""",
    ".env": """\
# Environment of the tools' capsule. Saving this file reloads the environment and replaces the capsule.
# It holds credentials, so the project's .gitignore leaves it out of version control.
#
# Only secrets are redacted (replaced by [redacted] in the thread, capsule.log, the screen and error reports):
# an entry is a secret when its value is at least 6 characters long and its name has a part KEY, TOKEN,
# SECRET, PASSWORD, PASSWD, PASS, PASSPHRASE, AUTH, CREDENTIAL(S), PRIVATE, COOKIE or SESSION (split at _ - .
# and camelCase: OPENAI_API_KEY and githubToken are secrets, KEYBOARD_LAYOUT is not), or when agent.toml lists
# it under [env] secrets = [...]; [env] public = [...] exempts a name. A secret is also redacted JSON- and
# repr()-escaped, base64-encoded and URL-quoted. Any other value (NOTES_FILE below) is shown as it is, and a
# secret transformed any other way (hashed, hex-encoded, pieces of it returned separately) is not recognised.
NOTES_FILE=notes.json
# EXAMPLE_API_KEY=...
""",
    ".gitignore": ".venv\ndata/\n.env\n",
    "src/identity.md": """\
You are {{name}}, a small note-taking agent.
""",
    "src/system.md": """\
Keep answers short. Your tools are: {{tools}}.
Anything you must remember goes through the notes tools (they keep it in data/).
""",
    "src/boot.md": "",
    "src/tools/notes.py": '''\
"""Notes that survive capsule reloads and restarts: they live in data/notes.json, not in module state."""

import json
import os
from pathlib import Path
from typing import Annotated, Literal

NOTES = Path(os.environ.get("DAPPER_AGENT_DATA", "data")) / os.environ.get("NOTES_FILE", "notes.json")


def _load() -> list[str]:
    return json.loads(NOTES.read_text()) if NOTES.exists() else []


def add_note(text: Annotated[str, "the note to remember"]) -> str:
    """Remember a note."""
    notes = _load() + [text]
    NOTES.write_text(json.dumps(notes))
    return f"noted ({len(notes)} notes)"


def list_notes(order: Literal["oldest", "newest"] = "oldest") -> list[str]:
    """List the notes.

    Args:
        order: which notes come first.
    """
    notes = _load()
    return notes if order == "oldest" else list(reversed(notes))


def greet(name: str, times: int = 1) -> str:
    """Greet someone."""
    return " ".join([f"Hello, {name}!"] * times)
''',
    "src/prompts/summarize.md": """\
---
name: summarize
description: Summarize the notes in a given style
arguments: [style]
---
Summarize my notes in a {{style}} style.
""",
    "src/scripts/count_notes.py": '''\
"""Prints how many notes there are. Run by the built-in run_script tool with its current source."""

import json
from pathlib import Path

notes = Path("data/notes.json")
print(len(json.loads(notes.read_text())) if notes.exists() else 0)
''',
}


def init_project(target: Path, name: str | None = None, force: bool = False) -> list[Path]:
    """Write the example project into ``target``; refuses to overwrite existing files unless ``force``."""
    target = Path(target)
    name = name or target.resolve().name
    written: list[Path] = []
    existing = [target / rel for rel in TEMPLATE if (target / rel).exists()]
    if existing and not force:
        raise FileExistsError(f"{existing[0]} exists (use --force to overwrite)")
    for rel, content in TEMPLATE.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content.replace("@NAME@", name), encoding="utf-8")
        written.append(path)
    (target / "data").mkdir(exist_ok=True)
    return written
