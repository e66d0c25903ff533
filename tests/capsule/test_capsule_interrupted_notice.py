"""Calls a killed session left open are closed when the thread is next opened, and ``dapper-tui agent DIR -m``
shows that as it happens: an ``error`` notice outside the turn, which does not fail the command."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from capsule_helpers import make_project

OPEN_A_CALL = """\
import os, sys
from dapper_tui.capsule.events import Event
from dapper_tui.capsule.threads import ThreadStore

writer = ThreadStore(sys.argv[1]).writer("t1")
writer.append(Event(type="user", thread="t1", revision=1, turn="aa", data={"text": "/call slow"}))
writer.append(Event(type="tool_call", thread="t1", revision=1, turn="aa",
                    data={"tool": "slow", "arguments": {}, "call_id": "1", "step": 0, "generation": 1}))
print("open", flush=True)
sys.stdin.read()  # killed here, the call still open
"""


def _agent(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "dapper_tui.capsule.cli",
        str(root),
        "-m",
        "/call version",
        "--thread",
        "t1",
    ]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_calls_closed_as_interrupted_are_shown_live(tmp_path: Path, as_json: bool) -> None:
    root = make_project(tmp_path / "agent")
    killed = subprocess.Popen(
        [sys.executable, "-c", OPEN_A_CALL, str(root / "data")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert killed.stdout is not None
    assert killed.stdout.readline() == "open\n"
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    done = _agent(root, *(["--json"] if as_json else []))
    assert done.returncode == 0, "a notice outside the turn is no failure: " + done.stdout + done.stderr
    if as_json:
        events = [json.loads(line) for line in done.stdout.splitlines()]
        notices = [e for e in events if e["type"] == "error"]
        assert len(notices) == 1
        assert notices[0]["turn"] is None
        assert notices[0]["interrupted"] == ["1"]
        assert notices[0]["message"].startswith("interrupted: 1 tool call(s) had no result"), notices
        assert [e["result"] for e in events if e["type"] == "tool_result"] == ["v1"]
    else:
        assert "error: interrupted: 1 tool call(s) had no result" in done.stdout, done.stdout
    stored = (root / "data/threads/t1.jsonl").read_text(encoding="utf-8")
    assert stored.count('"interrupted: 1 tool call(s)') == 1, "the notice is stored once, not again"
