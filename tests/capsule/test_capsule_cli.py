"""The headless CLI, run as a real process: `python -m dapper_tui.capsule.cli ...`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from capsule_helpers import TOOL_V1, make_project, write

CLI = [sys.executable, "-m", "dapper_tui.capsule.cli"]


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for line in lines:
        assert {"type", "thread", "revision"} <= set(line), line
    return lines


def test_init_project_runs_headless_turns(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    assert run("init", str(root)).returncode == 0
    assert run("init", str(root)).returncode == 2, "init never overwrites a project"
    first = run(str(root), "-m", '/call add_note {"text": "buy milk"}\n/call greet {"name": "Ada"}', "--json")
    assert first.returncode == 0, first.stderr
    events = json_lines(first.stdout)
    thread = next(e["thread"] for e in events if e["type"] == "user")
    results = [e["result"] for e in events if e["type"] == "tool_result"]
    assert results == ["noted (1 notes)", "Hello, Ada!"]
    final = [e["text"] for e in events if e["type"] == "assistant"]
    assert final == ["add_note: noted (1 notes)\ngreet: Hello, Ada!"]
    assert "".join(e["text"] for e in events if e["type"] == "assistant_delta") == final[0]
    second = run(
        str(root), "-m", '/call list_notes\n/call run_script {"name": "count_notes.py"}', "--thread", thread
    )
    assert second.returncode == 0, second.stderr
    assert 'agent: list_notes: ["buy milk"]\nrun_script: 1' in second.stdout
    listed = json_lines(run(str(root), "--list-threads", "--json").stdout)
    assert [(t["thread"], t["title"]) for t in listed] == [(thread, '/call add_note {"text": "buy milk"}')]
    history = [
        json.loads(line) for line in (root / "data/threads" / f"{thread}.jsonl").read_text().splitlines()
    ]
    assert [e["type"] for e in history if e["type"] in ("user", "assistant")] == ["user", "assistant"] * 2


class Session:
    """`agent DIR --json`, fed one message per line, its JSON lines read as they come."""

    def __init__(self, root: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [*CLI, str(root), "--json", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[dict[str, Any]] = []

    def send(self, message: str) -> None:
        stdin: IO[str] = self.proc.stdin  # type: ignore[assignment]
        stdin.write(message.replace("\n", "\\n") + "\n")
        stdin.flush()

    def until(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        stdout: IO[str] = self.proc.stdout  # type: ignore[assignment]
        while time.monotonic() < deadline:
            raw = stdout.readline()
            if not raw:
                raise AssertionError(f"session ended: {self.proc.stderr.read() if self.proc.stderr else ''}")
            line = json.loads(raw)
            assert {"type", "thread", "revision"} <= set(line), line
            self.lines.append(line)
            if predicate(line):
                return line
        raise AssertionError("timed out")


def test_long_lived_session_reloads_between_turns(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    session = Session(root)
    try:
        ready = session.until(lambda e: e["type"] == "ready")
        thread = ready["thread"]
        session.send("/call version")
        result = session.until(lambda e: e["type"] == "tool_result")
        assert (result["result"], result["revision"]) == ("v1", ready["revision"])
        session.until(lambda e: e["type"] == "turn_end")
        write(root / "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
        reload = session.until(lambda e: e["type"] == "reload" and e["record"]["outcome"] == "applied")
        assert reload["thread"] == thread and reload["record"]["counters"]["generation"] == 2
        session.send("/call version")
        result = session.until(lambda e: e["type"] == "tool_result")
        assert (result["result"], result["revision"]) == ("v2", reload["revision"])
        session.until(lambda e: e["type"] == "turn_end")
        assert session.proc.stdin is not None
        session.proc.stdin.close()
        assert session.proc.wait(15) == 0
    finally:
        session.proc.kill()
    stored = [
        json.loads(line) for line in (root / "data/threads" / f"{thread}.jsonl").read_text().splitlines()
    ]
    assert [e["result"] for e in stored if e["type"] == "tool_result"] == ["v1", "v2"]
    assert {e["thread"] for e in stored} == {thread}


def test_kill_9_mid_turn_leaves_the_thread_intact(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    session = Session(root, "--drain-timeout", "1")
    try:
        ready = session.until(lambda e: e["type"] == "ready")
        session.send("/call version")
        session.until(lambda e: e["type"] == "turn_end")
        session.send('/call slow {"seconds": 30}')
        session.until(lambda e: e["type"] == "tool_call")
        capsule_pid = next(e["record"]["detail"]["pid"] for e in session.lines if e["type"] == "reload")
    finally:
        session.proc.send_signal(signal.SIGKILL)
        session.proc.wait(10)
    try:
        os.killpg(capsule_pid, signal.SIGKILL)  # the orphaned capsule would otherwise sleep out its 30 s
    except ProcessLookupError:
        pass
    thread = ready["thread"]
    path = root / "data/threads" / f"{thread}.jsonl"
    before = path.read_bytes()
    with open(path, "ab") as fh:  # the process died in the middle of writing its next record
        fh.write(b'{"type": "tool_result", "thread": "' + thread.encode() + b'", "res')
    reopened = run(str(root), "-m", "/call version", "--thread", thread, "--json")
    assert reopened.returncode == 1, "the repair is reported as an error event"
    events = json_lines(reopened.stdout)
    assert any(e["type"] == "error" and "repaired a torn last record" in e["message"] for e in events)
    assert [e["result"] for e in events if e["type"] == "tool_result"] == ["v1"]
    after = path.read_bytes()
    assert after.startswith(before), "no earlier record is lost or rewritten"
    stored = [json.loads(line) for line in after.splitlines()]  # every line parses again
    assert [e["text"] for e in stored if e["type"] == "user"] == [
        "/call version",
        '/call slow {"seconds": 30}',
        "/call version",
    ]
    assert (path.parent / f"{thread}.jsonl.torn").read_bytes().startswith(b'{"type": "tool_result"')
