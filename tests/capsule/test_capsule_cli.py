"""The headless CLI, run as a real process: `python -m dapper_tui.capsule.cli ...`."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from capsule_helpers import TOOL_V1, make_project
from helpers import write

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


def test_run_script_takes_a_name_without_its_suffix(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    assert run("init", str(root)).returncode == 0
    call = '/call run_script {"name": "count_notes"}'
    first = run(str(root), "-m", call, "--json")
    assert first.returncode == 0, first.stderr
    results = [e for e in json_lines(first.stdout) if e["type"] == "tool_result"]
    assert [r["result"] for r in results] == ["0"]
    # a second script of that name: which one is meant is not guessed
    write(root / "src/scripts", "count_notes.sh", "echo sh\n")
    second = run(str(root), "-m", call, "--json")
    results = [e for e in json_lines(second.stdout) if e["type"] == "tool_result"]
    assert results[0]["is_error"], results
    assert "ambiguous in src/scripts: count_notes.py, count_notes.sh" in results[0]["result"]


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
        self._out: queue.Queue[str] = queue.Queue()  # read on a thread, so a silent session times out
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._out.put(raw)
        self._out.put("")

    def send(self, message: str) -> None:
        """One message; one of several lines goes as a JSON object line (the documented stdin rule)."""
        self.send_line(json.dumps({"message": message}) if "\n" in message else message)

    def send_line(self, line: str) -> None:
        stdin: IO[str] = self.proc.stdin  # type: ignore[assignment]
        stdin.write(line + "\n")
        stdin.flush()

    def until(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                raw = self._out.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"timed out; the last lines: {self.lines[-5:]}") from None
            if not raw:
                raise AssertionError(f"session ended: {self.proc.stderr.read() if self.proc.stderr else ''}")
            line = json.loads(raw)
            assert {"type", "thread", "revision"} <= set(line), line
            self.lines.append(line)
            if predicate(line):
                return line


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
        write(root, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
        reload = session.until(lambda e: e["type"] == "reload" and e["record"]["outcome"] == "applied")
        assert reload["thread"] == thread
        assert reload["record"]["counters"]["generation"] == 2
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
    assert reopened.returncode == 0, "a repair notice outside the turn is printed, and is not a failure"
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
    slow = [e for e in stored if e.get("tool") == "slow"]
    assert [e["type"] for e in slow] == ["tool_call", "tool_result"], "the killed call is closed, not running"
    assert slow[1]["is_error"]
    assert slow[1]["interrupted"]
    assert "interrupted" in slow[1]["result"]
    assert slow[1]["call_id"] == slow[0]["call_id"]
    assert slow[1]["turn"] == slow[0]["turn"]
    assert any(e["type"] == "error" and e["message"].startswith("interrupted: 1 tool call") for e in stored)


ECHO_TOOL = """\
import json


def show(text: str) -> str:
    \"\"\"The argument as JSON, so the test sees exactly what the tool received.\"\"\"
    return json.dumps(text)
"""


def test_stdin_lines_are_messages_taken_literally(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/show.py", ECHO_TOOL)
    session = Session(root)
    try:
        session.until(lambda e: e["type"] == "ready")
        # JSON escapes inside /call arguments keep their JSON meaning: the tool receives a newline
        session.send_line('/call show {"text": "a\\nb"}')
        result = session.until(lambda e: e["type"] == "tool_result")
        assert json.loads(result["result"]) == "a\nb"
        session.until(lambda e: e["type"] == "turn_end")
        # a backslash in a plain message stays a backslash
        session.send_line("copy C:\\new\\table.txt")
        reply = session.until(lambda e: e["type"] == "assistant")
        assert reply["text"] == "echo: copy C:\\new\\table.txt"
        session.until(lambda e: e["type"] == "turn_end")
        # several lines: a JSON object line
        session.send_line(json.dumps({"message": '/call show {"text": "x"}\n/call version'}))
        reply = session.until(lambda e: e["type"] == "assistant")
        assert reply["text"] == 'show: "x"\nversion: v1'
        session.until(lambda e: e["type"] == "turn_end")
        # a line starting with "{" that is not such an object: an error, nothing sent, the session goes on
        session.send_line("{not json")
        error = session.until(lambda e: e["type"] == "error")
        assert "JSON object" in error["message"]
        session.send_line("still here")
        reply = session.until(lambda e: e["type"] == "assistant")
        assert reply["text"] == "echo: still here"
        session.until(lambda e: e["type"] == "turn_end")
        assert session.proc.stdin is not None
        session.proc.stdin.close()
        assert session.proc.wait(15) == 0
    finally:
        session.proc.kill()
    users = [e["text"] for e in session.lines if e["type"] == "user"]
    assert users == [
        '/call show {"text": "a\\nb"}',
        "copy C:\\new\\table.txt",
        '/call show {"text": "x"}\n/call version',
        "still here",
    ]


def test_tools_that_cannot_load_at_start_are_stored_in_the_thread_and_exit_1(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/broken.py", "def oops(:\n")
    done = run(str(root), "-m", "/call version", "--json")
    assert done.returncode == 1
    assert "the tools did not load" in done.stderr
    assert "broken.py" in done.stderr
    assert "Traceback" not in done.stderr
    events = json_lines(done.stdout)
    failed = next(e for e in events if e["type"] == "reload")
    assert failed["record"]["outcome"] == "failed", "printed with its thread"
    assert failed["thread"], "printed with its thread"
    thread = failed["thread"]
    assert f"thread {thread}" in done.stderr
    stored = [
        json.loads(line) for line in (root / "data/threads" / f"{thread}.jsonl").read_text().splitlines()
    ]
    assert [e["type"] for e in stored] == ["thread_start", "reload"]
    assert "broken.py" in stored[1]["record"]["message"]
    assert not any(e["type"] == "user" for e in events), "the message is not sent without tools"
    # fixed: the same thread continues, with the start's record stored in it
    (root / "src/tools/broken.py").unlink()
    again = run(str(root), "-m", "/call version", "--thread", thread, "--json")
    assert again.returncode == 0, again.stderr
    stored = [
        json.loads(line) for line in (root / "data/threads" / f"{thread}.jsonl").read_text().splitlines()
    ]
    outcomes = [e["record"]["outcome"] for e in stored if e["type"] == "reload"]
    assert outcomes == ["failed", "applied"]
    assert [e["result"] for e in stored if e["type"] == "tool_result"] == ["v1"]


def test_revision_numbers_are_not_reused_by_a_later_process(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    first = run(str(root), "-m", "/call version", "--json")
    assert first.returncode == 0, first.stderr
    thread = next(e["thread"] for e in json_lines(first.stdout) if e["type"] == "user")
    write(root, "src/tools/t.py", TOOL_V1.replace('"v1"', '"v2"'))
    second = run(str(root), "-m", "/call version", "--thread", thread, "--json")
    assert second.returncode == 0, second.stderr
    stored = [
        json.loads(line) for line in (root / "data/threads" / f"{thread}.jsonl").read_text().splitlines()
    ]
    results = [(e["result"], e["revision"]) for e in stored if e["type"] == "tool_result"]
    assert [r for r, _ in results] == ["v1", "v2"]
    (_, r1), (_, r2) = results
    assert r2 > r1, "one number, one surface: the v2 surface has a number of its own"
    surfaces = {
        e["record"]["counters"]["revision"]: e["record"]["added"] for e in stored if e["type"] == "reload"
    }
    assert set(surfaces) == {r1, r2}


def test_an_error_in_the_turn_still_exits_1(tmp_path: Path) -> None:
    """Only a notice outside the turn (a repair) is not a failure; an error of the turn itself is."""
    root = make_project(tmp_path / "agent")
    done = run(str(root), "-m", "/call", "--json")
    assert done.returncode == 1, done.stderr
    errors = [e for e in json_lines(done.stdout) if e["type"] == "error"]
    assert errors
    assert errors[0]["turn"]
    assert "needs a tool name" in errors[0]["message"]
