"""End to end, in tmux: in the installed command, the Ctrl+C key pauses the running program as in a terminal,
and Ctrl+Q asks before quitting, as q does."""

from __future__ import annotations

import pytest
from helpers import program, wait_until
from tmuxterm import Terminal, needs_tmux

pytestmark = [*needs_tmux, pytest.mark.usefixtures("looping")]


@pytest.fixture
def looping(term: Terminal) -> Terminal:
    """The terminal, running tests/programs/loop.py under the debugger."""
    program(term.tmp, "loop.py")
    term.start("--no-stop-on-entry", "loop.py")
    return term


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
    term.exit_status()
