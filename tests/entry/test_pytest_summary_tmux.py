"""`pytest --dapper` in a real terminal (tmux): after the full-screen debugger closes, pytest's final summary
line is on the terminal too (the app stays open after the tests, and what pytest wrote meanwhile went to its
Output pane). After a fix and a passing re-run, the same: see test_attach_tmux."""

from __future__ import annotations

import sys

import pytest
from tmuxterm import Terminal, needs_tmux

pytestmark = [pytest.mark.slow, *needs_tmux]

ONE_FAILS = """\
def test_fails():
    assert 1 == 2


def test_passes():
    pass
"""


def test_pytests_summary_reaches_the_terminal_after_the_debugger_closes(term: Terminal) -> None:
    (term.tmp / "test_two.py").write_text(ONE_FAILS)
    term.start(f"{sys.executable} -m pytest --dapper -p no:cacheprovider test_two.py")
    term.wait_for("post-mortem")
    term.keys("c")  # the failed test stays failed; pytest runs the other one and ends
    term.wait_for("The program exited with code")  # the app stays after the program's end
    term.keys("q")
    assert term.exit_status() == 1  # pytest's own code: one test failed
    screen = term.screen()
    assert "[dapper-tui] test_two.py::test_fails (call): AssertionError" in screen
    assert "1 failed, 1 passed in" in screen, screen
