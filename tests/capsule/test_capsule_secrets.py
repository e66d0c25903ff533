"""Secrets from .env: which entries are secrets, JSON-escaped forms, and nothing secret in capsule.log."""

from __future__ import annotations

import json
from pathlib import Path

from capsule_helpers import Recorder, final_text, make_project
from dapper_tui.capsule.project import AgentProject
from dapper_tui.capsule.runtime import AgentRuntime
from dapper_tui.capsule.secrets import Redactor
from helpers import write

API_KEY = "sk-live-4f9a8b7c6d5e"
QUOTED = 'pa"ss\\word-77'  # a quote and a backslash: JSON escapes both
WEBHOOK = "https://hooks.example.invalid/T000/B000"

ENV = f"""\
OPENAI_API_KEY={API_KEY}
DB_PASSWORD='{QUOTED}'
WEBHOOK_URL={WEBHOOK}
NOTES_FILE=notes.json
DEBUG=true
KEYBOARD_LAYOUT=dvorak-intl
SESSION_DIR=/tmp/agent-sessions
"""

LEAKY_TOOL = """\
import json
import os
import sys


def leak() -> str:
    \"\"\"Print secrets and settings to stderr and stdout, the way careless tools do.\"\"\"
    print("key is", os.environ["OPENAI_API_KEY"], file=sys.stderr, flush=True)
    print("hook", os.environ["WEBHOOK_URL"], flush=True)
    print("as json", json.dumps({"password": os.environ["DB_PASSWORD"]}), file=sys.stderr, flush=True)
    print("settings", os.environ["NOTES_FILE"], os.environ["DEBUG"], os.environ["KEYBOARD_LAYOUT"],
          os.environ["SESSION_DIR"], "end-of-leak", file=sys.stderr, flush=True)
    return json.dumps({"password": os.environ["DB_PASSWORD"], "notes": os.environ["NOTES_FILE"]})
"""


def _project(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "agent",
        extra_toml='[env]\nsecrets = ["WEBHOOK_URL"]\npublic = ["SESSION_DIR"]\n',
    )
    write(root, "src/tools/leaky.py", LEAKY_TOOL)
    write(root, ".env", ENV)
    return root


def test_secret_names_values_and_json_forms(tmp_path: Path) -> None:
    root = _project(tmp_path)
    project = AgentProject(root)
    assert project.config().drain_timeout == 5.0
    redact = Redactor(project)
    redact.add(project.env())
    # settings are not secrets, so ordinary text that contains their values is left alone
    message = "save to notes.json when DEBUG is true; layout dvorak-intl in /tmp/agent-sessions"
    assert redact(message) == message
    assert redact({"text": message, "items": [message]}) == {"text": message, "items": [message]}
    # secrets by name, by agent.toml, and in their JSON-escaped form
    leaked = f"key={API_KEY} hook={WEBHOOK} " + json.dumps({"password": QUOTED})
    cleaned = redact(leaked)
    assert API_KEY not in cleaned
    assert WEBHOOK not in cleaned
    assert QUOTED not in cleaned
    assert json.dumps(QUOTED)[1:-1] not in cleaned
    assert cleaned == 'key=[redacted] hook=[redacted] {"password": "[redacted]"}'
    assert redact({"nested": [QUOTED]}) == {"nested": ["[redacted]"]}
    # short values are never secrets, whatever the name; old values stay redacted after a change
    redact.add({"API_TOKEN": "abc", "OPENAI_API_KEY": "sk-rotated-000000"})
    assert redact("abc sk-rotated-000000 " + API_KEY) == "abc [redacted] [redacted]"


async def test_capsule_stderr_reaches_capsule_log_redacted(tmp_path: Path) -> None:
    root = _project(tmp_path)
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        text, _ = await final_text(rt, None, "/call leak")
        assert text.startswith("leak: ")
        # a second generation (a .env change) is redacted with the new value and still with the old one
        write(root, ".env", ENV.replace(API_KEY, API_KEY + "-v2"))
        await rec.reload("applied", rows=["env"])
        await final_text(rt, None, "/call leak")
    log = (root / "data/logs/capsule.log").read_text()
    assert log.count("end-of-leak") == 2, log  # the tool's lines did reach the log
    assert "settings notes.json true dvorak-intl /tmp/agent-sessions end-of-leak" in log
    assert "key is [redacted]" in log
    assert "hook [redacted]" in log
    assert 'as json {"password": "[redacted]"}' in log
    for secret in (API_KEY, WEBHOOK, QUOTED, json.dumps(QUOTED)[1:-1]):
        assert secret not in log


async def test_the_thread_hides_secrets_and_keeps_ordinary_settings(tmp_path: Path) -> None:
    """What the runtime writes into the thread: secret values redacted, plain settings such as a file name
    or `true` left as the user wrote them (they used to be redacted too)."""
    root = _project(tmp_path)
    async with AgentRuntime(root, warm_spare=False) as rt:
        text, _ = await final_text(rt, None, f"keep notes.json and true, hide {API_KEY}")
        assert text == "echo: keep notes.json and true, hide [redacted]"
        text, _ = await final_text(rt, None, "/call leak")
        assert "notes.json" in text
        assert '\\"password\\": \\"[redacted]\\"' in json.dumps(text)
        thread = rt.active_thread
        assert thread is not None
        stored = json.dumps([e.data for e in rt.history(thread)])
    assert API_KEY not in stored
    assert "notes.json" in stored
