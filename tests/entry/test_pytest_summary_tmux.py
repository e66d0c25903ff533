"""`pytest --dapper` in a real terminal (tmux): after the full-screen debugger closes, pytest's final summary
line is on the terminal too (the app stays open after the tests, and what pytest wrote meanwhile went to its
Output pane)."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_attach_tmux import Terminal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

TESTS = """\
def test_fails():
    assert 1 == 2


def test_passes():
    pass
"""


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    t = Terminal(tmp_path)
    t.socket = f"qa2-{uuid.uuid4().hex[:8]}"
    yield t
    t.tmux("kill-server")


def test_pytests_summary_reaches_the_terminal_after_the_debugger_closes(term: Terminal) -> None:
    (term.tmp / "test_two.py").write_text(TESTS)
    term.start(f"{sys.executable} -m pytest --dapper -p no:cacheprovider test_two.py")
    term.wait_for("post-mortem")
    term.keys("c")  # the failed test stays failed; pytest runs the other one and ends
    term.wait_for("The program exited with code")  # the app stays after the program's end
    term.keys("q")
    assert term.exit_status() == 1  # pytest's own code: one test failed
    screen = term.screen()
    assert "[dapper-tui] test_two.py::test_fails (call): AssertionError" in screen
    assert "1 failed, 1 passed in" in screen, screen


CALC = "def double(n):\n    return n * 3  # BUG\n"
RERUN_TESTS = (
    "from calc import double\n\n\n"
    "def test_double():\n    value = double(2)\n    assert value == 4\n\n\n"
    "def test_other():\n    assert double(0) == 0\n"
)


def test_after_a_passing_rerun_the_terminal_shows_2_passed(term: Terminal) -> None:
    (term.tmp / "calc.py").write_text(CALC)
    (term.tmp / "test_calc.py").write_text(RERUN_TESTS)
    term.start(f"{sys.executable} -m pytest --dapper -p no:cacheprovider test_calc.py")
    term.wait_for("post-mortem  AssertionError: assert 6 == 4")
    term.wait_for("value = 6")
    (term.tmp / "calc.py").write_text(CALC.replace("n * 3  # BUG", "n * 2  # FIXED"))
    term.wait_for("reloaded calc")
    term.keys("T")
    term.wait_for("[re-run of test_calc.py::test_double: passed]")
    term.wait_for("The program exited with code 0")
    term.keys("q")
    assert term.exit_status() == 0
    screen = term.screen()
    assert "AssertionError: assert 6 == 4" in screen  # the failure line, written before the app opened
    assert "2 passed in" in screen, screen  # and now pytest's summary after it
