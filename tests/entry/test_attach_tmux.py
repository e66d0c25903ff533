"""In a real terminal (tmux): a program started with plain `python` opens the full TUI at
`breakpoint()` (PYTHONBREAKPOINT=dapper_tui.set_trace) and at `dapper_tui.post_mortem()`; `pytest --dapper`
opens it on a failing test, and fix + save (hot reload) + T turns the test green in the same pytest run."""

from __future__ import annotations

import sys

import pytest
from attach_programs import CALC, CALC_FIXED, POST_MORTEM, PROG, TESTS
from tmuxterm import Terminal, needs_tmux

pytestmark = [pytest.mark.slow, *needs_tmux]


def test_breakpoint_with_pythonbreakpoint_opens_the_tui_and_the_program_runs_on_under_it(
    term: Terminal,
) -> None:
    (term.tmp / "prog.py").write_text(PROG)
    term.start(f"{sys.executable} prog.py", PYTHONBREAKPOINT="dapper_tui.set_trace")
    screen = term.wait_for("breakpoint() call")
    assert " 8 ▶     breakpoint()  # STOP" in screen  # stopped at the caller's line
    assert "Re-run test" not in screen  # T is pytest --dapper's
    term.wait_for("x = 41")  # its locals
    term.keys(*["Up"] * 6, "b")  # a breakpoint on line 2, set at this stop
    term.wait_for("prog.py:2")
    term.keys("c")
    term.wait_for("Breakpoint at prog.py:2")
    term.wait_for("after stop 42")  # the program ran on, its output in the Output pane
    term.wait_for("n = 5")
    term.keys("c")
    term.wait_for("The program exited with code 0")  # the app stays after the program's end
    term.keys("q")
    assert term.exit_status() == 0


def test_post_mortem_opens_the_tui_on_the_raising_frame(term: Terminal) -> None:
    (term.tmp / "pm.py").write_text(POST_MORTEM)
    term.start(f"{sys.executable} pm.py")
    screen = term.wait_for("post-mortem  ZeroDivisionError: division by zero")
    assert " 3 ▶     return a / b  # RAISES" in screen
    assert "├ divide  pm.py:3" in screen
    term.keys("c")
    term.wait_for("The program exited with code 0")
    term.wait_for("went on")
    term.keys("q")
    assert term.exit_status() == 0


def test_pytest_dapper_fix_reload_rerun_turns_the_test_green(term: Terminal) -> None:
    (term.tmp / "calc.py").write_text(CALC)
    (term.tmp / "test_calc.py").write_text(TESTS)
    term.start(f"{sys.executable} -m pytest --dapper -p no:cacheprovider test_calc.py")
    screen = term.wait_for("post-mortem  AssertionError: assert 6 == 4")
    assert " 6 ▶     assert value == 4" in screen  # the failing frame
    term.wait_for("T Re-run test")  # the footer and the Variables pane may be drawn a frame later
    term.wait_for("value = 6")
    (term.tmp / "calc.py").write_text(CALC_FIXED)
    term.wait_for("reloaded calc")  # saved: the hot reload applies it
    term.keys("T")
    term.wait_for("[re-run of test_calc.py::test_double: passed]")
    term.wait_for("2 passed")
    term.wait_for("The program exited with code 0")
    term.keys("q")
    assert term.exit_status() == 0  # pytest's own exit status: every test passed
    # the app has closed: the terminal shows the failure pytest wrote before it opened, and its summary after
    screen = term.screen()
    assert "AssertionError: assert 6 == 4" in screen
    assert "2 passed in" in screen, screen
