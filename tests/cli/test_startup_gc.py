"""The `dapper-tui` command turns Python's cyclic garbage collector off while it starts (it is the first
paint's largest avoidable cost): the debugged program must still run with the collector as `python` gives it,
and the command must give it back whatever way it ends."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from dapper_tui.main import main
from helpers import write

COMMAND = Path(sys.executable).parent / "dapper-tui"

PROGRAM = """
import gc, json, sys
json.dump({"enabled": gc.isenabled(), "threshold": gc.get_threshold()}, open(sys.argv[1], "w"))
"""


@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_program_runs_with_the_collector_on(tmp_path: Path) -> None:
    program = write(tmp_path, "prog.py", PROGRAM)
    report = tmp_path / "gc.json"
    socket = f"dapper-gc-{uuid.uuid4().hex[:8]}"
    command = (
        f"env -u COLUMNS -u LINES XDG_STATE_HOME={tmp_path / 'state'} "
        f"{COMMAND} --no-stop-on-entry {program} {report}"
    )

    def tmux(*args: str) -> None:
        subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, check=False)

    tmux("new-session", "-d", "-x", "120", "-y", "40", "-c", str(tmp_path), command)
    try:
        deadline = time.monotonic() + 60
        while not (report.exists() and report.read_text().endswith("}")):
            assert time.monotonic() < deadline, "the program did not run within 60 s"
            time.sleep(0.05)
    finally:
        tmux("kill-server")
    seen = json.loads(report.read_text())
    assert seen == {"enabled": True, "threshold": list(gc.get_threshold())}


def test_a_program_that_cannot_run_leaves_the_collector_on(tmp_path: Path) -> None:
    assert gc.isenabled()
    assert main([str(tmp_path / "missing.py")]) == 2
    assert gc.isenabled()
