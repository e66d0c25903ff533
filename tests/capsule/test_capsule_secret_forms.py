"""A ``.env`` secret never reaches the thread, ``capsule.log``, the CLI's stdout (what the TUI shows is the
same events) or an error traceback, in any form a tool may print or return it: raw, JSON-escaped,
``repr()``-escaped, base64, URL-safe base64, URL-quoted, inside a base64 blob, and split across two writes.

Run end to end: ``dapper-tui agent DIR -m`` as a real process, a real tool in a real capsule.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from capsule_helpers import ChatServer, make_project
from dapper_tui.capsule.init import TEMPLATE
from dapper_tui.capsule.runtime import AgentRuntime
from dapper_tui.capsule.secrets import Redactor, StreamRedactor
from helpers import write

SECRET = '~~~tok\\en "q" w\u00f6/rd+ ~x?y&z=1>?'  # a backslash, quotes, non-ASCII, URL and base64 specials

FORMS: dict[str, str] = {
    "raw": SECRET,
    "json": json.dumps(SECRET, ensure_ascii=False)[1:-1],
    "json-ascii": json.dumps(SECRET, ensure_ascii=True)[1:-1],
    "repr": repr(SECRET)[1:-1],
    "base64": base64.b64encode(SECRET.encode()).decode(),
    "urlsafe-base64": base64.urlsafe_b64encode(SECRET.encode()).decode(),
    "url-quoted": quote(SECRET, safe=""),
    "url-quoted-plus": quote_plus(SECRET),
    # "Basic" auth: the secret inside a longer base64 text, at each alignment
    "base64 inside, offset 1": base64.b64encode(b"u" + SECRET.encode()).decode()[4:-4],
    "base64 inside, offset 2": base64.b64encode(b"u:" + SECRET.encode()).decode()[4:-4],
    "base64 inside, offset 0": base64.b64encode(b"us:" + SECRET.encode()).decode()[4:-4],
}

LEAK_TOOL = """\
import base64
import json
import os
import sys
import time
from urllib.parse import quote, quote_plus


def _form(form: str) -> str:
    s = os.environ["API_TOKEN"]
    return {
        "raw": s,
        "json": json.dumps({"token": s}, ensure_ascii=False),
        "json-ascii": json.dumps({"token": s}),
        "repr": repr({"token": s}),
        "base64": base64.b64encode(s.encode()).decode(),
        "urlsafe-base64": base64.urlsafe_b64encode(s.encode()).decode(),
        "url-quoted": "https://api.invalid/?t=" + quote(s, safe=""),
        "url-quoted-plus": "https://api.invalid/?t=" + quote_plus(s),
        "base64 inside, offset 1": "Basic " + base64.b64encode(b"u" + s.encode()).decode(),
        "base64 inside, offset 2": "Basic " + base64.b64encode(b"u:" + s.encode()).decode(),
        "base64 inside, offset 0": "Basic " + base64.b64encode(b"us:" + s.encode()).decode(),
    }[form]


def leak(form: str) -> str:
    \"\"\"Print the secret in a form to stdout and stderr (split across two writes), and return it.\"\"\"
    text = _form(form)
    half = len(text) // 2
    for stream in (sys.stdout, sys.stderr):
        stream.write(f"[{form}] " + text[:half])
        stream.flush()
        time.sleep(0.05)
        stream.write(text[half:] + " end\\n")
        stream.flush()
    return text


def crash(form: str) -> str:
    \"\"\"Fail with the secret in the message (a traceback is the crash report).\"\"\"
    raise RuntimeError("could not log in with " + _form(form))
"""


def test_the_forms_are_all_different_and_each_is_redacted() -> None:
    assert len(set(FORMS.values())) == len(FORMS)
    redact = Redactor()
    redact.add({"API_TOKEN": SECRET})
    for name, form in FORMS.items():
        if "inside" in name:  # the fragment of a longer base64 text that only the secret determines
            prefix = {"1": b"u", "2": b"u:", "0": b"us:"}[name[-1]]
            form = "Basic " + base64.b64encode(prefix + SECRET.encode()).decode()
        assert not _leaks(redact(f"x {form} y")), name
    ordinary = "Basic dXNlcjpwYXNzd29yZA== https://example.invalid/?q=a%20b notes.json"
    assert redact(ordinary) == ordinary, "text without the secret is left alone"


def _leaks(text: str) -> list[str]:
    """The forms found in ``text``, also as they look inside a JSON string."""
    found = []
    for name, form in FORMS.items():
        escaped = {form, json.dumps(form, ensure_ascii=False)[1:-1], json.dumps(form)[1:-1]}
        if any(e in text for e in escaped):
            found.append(name)
    return found


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_no_form_of_a_secret_leaks_end_to_end(tmp_path: Path, as_json: bool) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/leaky.py", LEAK_TOOL)
    (root / ".env").write_text(f"API_TOKEN='{SECRET}'\nNOTES_FILE=notes.json\n", encoding="utf-8")
    calls = [f"/call leak {json.dumps({'form': f})}" for f in FORMS]
    calls += [f"/call crash {json.dumps({'form': f})}" for f in FORMS]
    done = subprocess.run(
        [sys.executable, "-m", "dapper_tui.capsule.cli", str(root), "-m", "\n".join(calls), "--no-deltas"]
        + (["--json"] if as_json else []),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "[redacted]" in done.stdout, done.stdout + done.stderr
    thread = next((root / "data/threads").glob("*.jsonl")).read_text(encoding="utf-8")
    logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (root / "data/logs").glob("*"))
    places = {"stdout": done.stdout, "stderr": done.stderr, "thread": thread, "capsule.log": logs}
    leaked = {place: _leaks(text) for place, text in places.items()}
    counted = sum(len(v) for v in leaked.values())
    print(f"secret forms leaked ({'json' if as_json else 'plain'}): {counted} of {len(FORMS) * len(places)}")
    assert leaked == {place: [] for place in places}
    assert thread.count("could not log in with") >= len(FORMS), "every crash is recorded (redacted)"
    assert logs.count(" end\n") == 2 * len(FORMS), "the tool's output did reach the log"


def test_init_template_ignores_env_and_says_what_is_redacted(tmp_path: Path) -> None:
    assert ".env" in TEMPLATE[".gitignore"].splitlines()
    env = TEMPLATE[".env"]
    assert "Values are treated as secrets" not in env, "only some values are secrets"
    assert "KEY" in env
    assert "TOKEN" in env
    assert "[env]" in env


def test_stream_redactor_sees_a_secret_split_across_pieces() -> None:
    redact = Redactor()
    redact.add({"API_TOKEN": SECRET})
    forms = [form for name, form in FORMS.items() if "inside" not in name]
    forms += [
        "Basic " + base64.b64encode(prefix + SECRET.encode()).decode() for prefix in (b"u", b"u:", b"us:")
    ]
    for form in forms:
        text = f"your token is {form}, keep it safe"
        for size in (1, 3, 4, 7):
            stream = StreamRedactor(redact)
            shown = [stream.feed(text[i : i + size]) for i in range(0, len(text), size)] + [stream.flush()]
            assert "".join(shown) == redact(text), (form, size)
            assert not _leaks("".join(shown))
            assert "[redacted]" in "".join(shown)
    stream = StreamRedactor(redact)
    assert [stream.feed(p) for p in ("plain ", "text, ", "no hold")] == ["plain ", "text, ", "no hold"]


async def test_a_streamed_reply_never_shows_a_secret_split_across_deltas(tmp_path: Path) -> None:
    secret = "sk-test-secret-123456"
    server = ChatServer(lambda body: {"text": f"the key in your .env is {secret}, isn't it"})
    try:
        root = make_project(tmp_path / "agent", model="openai:fake-model")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\nOPENAI_API_KEY={secret}\n")
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            shown: list[str] = []  # what the TUI and `agent --json` show, as it streams
            rt.subscribe(lambda e: shown.append(e.data["text"]) if e.type == "assistant_delta" else None)
            events = await rt.run(None, "what is my key?")
    finally:
        server.close()
    final = next(e for e in events if e.type == "assistant").data["text"]
    assert final == "the key in your .env is [redacted], isn't it", "the stored reply is redacted"
    assert len(shown) > 3, "the reply did stream in pieces"
    assert secret not in "".join(shown)
