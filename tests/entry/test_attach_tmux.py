"""In a real terminal (tmux, socket `entry-*`): a program started with plain `python` opens the full TUI at
`breakpoint()` (PYTHONBREAKPOINT=dapper_tui.set_trace) and at `dapper_tui.post_mortem()`; `pytest --dapper`
opens it on a failing test, and fix + save (hot reload) + T turns the test green in the same pytest run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    def __init__(self, tmp: Path) -> None:
        self.socket = f"entry-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp
        self.conf = tmp / "tmux.conf"
        self.conf.write_text("set -g default-size 160x45\nset -g remain-on-exit on\nset -g status off\n")
        self.status = tmp / "exit-status"

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout

    def start(self, argv: str, **env: str) -> None:
        env = {"XDG_STATE_HOME": str(self.tmp / "state"), "TERM": "xterm-256color", **env}
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        command = f"env -u COLUMNS -u LINES -u PYTEST_ADDOPTS {exports} {argv}; echo $? > {self.status}"
        self.tmux("new-session", "-d", "-x", "160", "-y", "45", "-c", str(self.tmp), f"sh -c '{command}'")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p")

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{screen}")
            time.sleep(0.05)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", key)
            time.sleep(0.1)

    def exit_status(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status.exists() and self.status.read_text().strip():
                return int(self.status.read_text())
            time.sleep(0.05)
        raise AssertionError(f"the program did not exit:\n{self.screen()}")


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    t = Terminal(tmp_path)
    yield t
    t.tmux("kill-server")


PROG = """\
def later(n):
    total = n * 2  # LATER
    return total


def main():
    x = 41
    breakpoint()  # STOP
    print("after stop", x + 1)
    print("later gave", later(5))


main()
"""


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
    (term.tmp / "pm.py").write_text(
        "import dapper_tui\n"
        "def divide(a, b):\n"
        "    return a / b  # RAISES\n"
        "try:\n"
        "    divide(1, 0)\n"
        "except ZeroDivisionError:\n"
        "    dapper_tui.post_mortem()\n"
        "print('went on')\n"
    )
    term.start(f"{sys.executable} pm.py")
    screen = term.wait_for("post-mortem  ZeroDivisionError: division by zero")
    assert " 3 ▶     return a / b  # RAISES" in screen
    assert "├ divide  pm.py:3" in screen
    term.keys("c")
    term.wait_for("The program exited with code 0")
    term.wait_for("went on")
    term.keys("q")
    assert term.exit_status() == 0


CALC = "def double(n):\n    return n * 3  # BUG\n"
TESTS = (
    "from calc import double\n\n\n"
    "def test_double():\n    value = double(2)\n    assert value == 4\n\n\n"
    "def test_other():\n    assert double(0) == 0\n"
)


def test_pytest_dapper_fix_reload_rerun_turns_the_test_green(term: Terminal) -> None:
    (term.tmp / "calc.py").write_text(CALC)
    (term.tmp / "test_calc.py").write_text(TESTS)
    term.start(f"{sys.executable} -m pytest --dapper -p no:cacheprovider test_calc.py")
    screen = term.wait_for("post-mortem  AssertionError: assert 6 == 4")
    assert " 6 ▶     assert value == 4" in screen  # the failing frame
    assert "T Re-run test" in screen
    term.wait_for("value = 6")  # the Variables pane may be drawn a frame later
    (term.tmp / "calc.py").write_text(CALC.replace("n * 3  # BUG", "n * 2  # FIXED"))
    term.wait_for("reloaded calc")  # saved: the hot reload applies it
    term.keys("T")
    term.wait_for("[re-run of test_calc.py::test_double: passed]")
    term.wait_for("2 passed")
    term.wait_for("The program exited with code 0")
    term.keys("q")
    assert term.exit_status() == 0  # pytest's own exit status: every test passed
