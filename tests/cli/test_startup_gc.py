"""The `dapper-tui` command turns Python's cyclic garbage collector off while it starts (it is the first
paint's largest avoidable cost): the debugged program must still run with the collector as `python` gives it,
and the command must give it back whatever way it ends."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

import pytest
from dapper_tui.main import main
from helpers import wait_until, write
from tmuxterm import COMMAND, Terminal

PROGRAM = """
import gc, json, sys
json.dump({"enabled": gc.isenabled(), "threshold": gc.get_threshold()}, open(sys.argv[1], "w"))
"""


@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_program_runs_with_the_collector_on(tmp_path: Path) -> None:
    program = write(tmp_path, "prog.py", PROGRAM)
    report = tmp_path / "gc.json"
    term = Terminal(tmp_path, [str(COMMAND)], "dapper-gc")
    try:
        term.start("--no-stop-on-entry", str(program), str(report))
        wait_until(lambda: report.exists() and report.read_text().endswith("}"), 60, "the program to run")
    finally:
        term.close()
    seen = json.loads(report.read_text())
    assert seen == {"enabled": True, "threshold": list(gc.get_threshold())}


def test_a_program_that_cannot_run_leaves_the_collector_on(tmp_path: Path) -> None:
    assert gc.isenabled()
    assert main([str(tmp_path / "missing.py")]) == 2
    assert gc.isenabled()
