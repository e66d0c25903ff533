"""A failed tool's traceback reaches the thread, capsule.log and --json (real capsule subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from capsule_helpers import make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import wait_until, write

BOOM = """\
def _check(reason: str) -> None:
    raise ValueError(reason)


def boom(reason: str = "no") -> str:
    \"\"\"Fail.\"\"\"
    _check(reason)
    return "never"
"""


def _log_text(root: Path, needle: str, timeout: float = 10.0) -> str:
    """The capsule's log, once it holds `needle`."""
    log = root / "data/logs/capsule.log"
    wait_until(lambda: log.exists() and needle in log.read_text(), timeout, f"{needle!r} in {log}")
    return log.read_text()


async def test_failed_tool_result_holds_its_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/boom.py", BOOM)
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
    write(root, "src/tools/boom.py", BOOM)
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
