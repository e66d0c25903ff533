"""A failed tool's traceback reaches the thread, capsule.log and --json (real capsule subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from capsule_helpers import make_project, write
from dapper_tui.capsule.runtime import AgentRuntime

BOOM = """\
def _check(reason: str) -> None:
    raise ValueError(reason)


def boom(reason: str = "no") -> str:
    \"\"\"Fail.\"\"\"
    _check(reason)
    return "never"
"""


def _log_text(root: Path, needle: str, timeout: float = 10.0) -> str:
    log = root / "data/logs/capsule.log"
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text() if log.exists() else ""
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


async def test_failed_tool_result_holds_its_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root / "src/tools/boom.py", BOOM)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        events = await rt.run(None, '/call boom {"reason": "kaput"}')
        thread = events[0].thread
    result = next(e for e in events if e.type == "tool_result")
    assert result.data["is_error"]
    text = result.data["result"]
    assert text.startswith("ValueError: kaput\nTraceback (most recent call last):\n"), text
    assert "boom.py" in text
    assert "raise ValueError(reason)" in text
    assert "_check(reason)" in text
    assert "host.py" not in text, "only the project's own frames"
    stored = [e for e in rt.history(thread) if e.type == "tool_result"]
    assert "raise ValueError(reason)" in stored[0].data["result"]
    log = _log_text(root, "raise ValueError(reason)")
    assert "tool boom failed" in log
    assert "raise ValueError(reason)" in log


def test_json_mode_prints_the_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root / "src/tools/boom.py", BOOM)
    run = subprocess.run(
        [sys.executable, "-m", "dapper_tui.capsule.cli", str(root), "-m", "/call boom", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    events = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    result = next(e for e in events if e["type"] == "tool_result")
    assert result["is_error"]
    assert "Traceback (most recent call last)" in result["result"]
    assert "raise ValueError(reason)" in result["result"]
