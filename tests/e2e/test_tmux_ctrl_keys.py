"""End to end, in tmux: in the installed command, the Ctrl+C key pauses the running program as in a terminal,
and Ctrl+Q asks before quitting, as q does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import wait_until
from test_tmux import COMMAND, Terminal, pytestmark  # noqa: F401  (the tmux markers apply here too)

LOOP = """\
import time
n = 0
while True:
    n += 1
    if n == 1:
        print("looping", flush=True)
    time.sleep(0.01)
"""


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    if not COMMAND.exists():
        pytest.skip("the dapper-tui command is not installed")
    (tmp_path / "loop.py").write_text(LOOP)
    t = Terminal(tmp_path)
    t.start("--no-stop-on-entry", "loop.py")
    yield t
    t.close()


def test_ctrl_c_pauses_the_running_program(term: Terminal) -> None:
    screen = term.wait_for("running  F6 / p / Ctrl+C pauses")  # running from the start, not "starting"
    term.wait_for("looping")  # in the program's loop
    term.keys("C-c")
    screen = term.wait_for("Paused")
    assert "<module>  loop.py" in screen
    assert "Press ctrl+q to quit" not in screen
    assert "KeyboardInterrupt" not in screen
    term.keys("C-c")  # stopped: nothing happens but a notice
    screen = term.wait_for("already stopped")
    assert "Paused" in screen


def test_ctrl_q_asks_before_quitting(term: Terminal) -> None:
    term.wait_for("running")
    term.keys("C-q")
    term.wait_for("Quit dapper-tui? The program is still running")
    term.keys("n")
    wait_until(lambda: "Quit dapper-tui?" not in term.screen(), 5, term.screen)
    screen = term.screen()
    assert "running" in screen  # still there, the program still running
    term.keys("C-q")
    term.wait_for("Quit dapper-tui?")
    term.keys("C-q")  # Ctrl+Q on the question quits
    status = term.tmp / "exit-status"
    wait_until(status.exists, 15, term.screen)
