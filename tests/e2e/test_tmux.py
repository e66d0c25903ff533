"""End to end: the INSTALLED `dapper-tui` command, in a real terminal (tmux), driven by keys like a user."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import line_of

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COMMAND = Path(sys.executable).parent / "dapper-tui"


class Terminal:
    def __init__(self, tmp: Path) -> None:
        self.socket = f"dapper-e2e-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp

    def tmux(self, *args: str) -> str:
        conf = self.tmp / "tmux.conf"
        if not conf.exists():
            conf.write_text("set -g default-size 160x45\nset -g remain-on-exit on\nset -g status off\n")
        out = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(conf), *args], capture_output=True, text=True, check=False
        )
        return out.stdout

    def start(self, *args: str) -> None:
        env = {
            "XDG_STATE_HOME": str(self.tmp / "state"),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
        }
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        argv = " ".join([str(COMMAND), *args])
        # sh waits for dapper-tui and writes its exit status (tmux may be slow to notice a pane's process end)
        status = self.tmp / "exit-status"
        command = f"env -u COLUMNS -u LINES {exports} {argv}; echo $? > {status}"
        self.tmux("new-session", "-d", "-x", "160", "-y", "45", "-c", str(self.tmp), f"sh -c '{command}'")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p")

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{screen}")
            time.sleep(0.05)

    def keys(self, *keys: str, delay: float = 0.15) -> None:
        for key in keys:
            self.tmux("send-keys", key)
            time.sleep(delay)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-l", text)
        time.sleep(0.1)

    def footer(self) -> str:
        lines = [line for line in self.screen().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def focus_pane_with_key(self, keys: str, rounds: int = 24) -> None:
        """Shift+Tab through the panes until the focused pane's own keys, which come first in the footer, are
        exactly `keys` (e.g. "a Restart frame"). Each press waits a moment for the footer to follow."""
        footers = []
        for _ in range(rounds):
            self.keys("BTab", delay=0)
            deadline = time.monotonic() + 0.6
            while time.monotonic() < deadline:
                footer = self.footer()
                if footer.split(" F5 Continue")[0].strip() == keys:
                    return
                time.sleep(0.05)
            footers.append(footer[:40])
        raise AssertionError(f"no pane showed {keys!r} in the footer: {footers}\n{self.screen()}")

    def exit_status(self, timeout: float = 20.0) -> int:
        status = self.tmp / "exit-status"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if status.exists() and status.read_text().strip():
                return int(status.read_text())
            time.sleep(0.05)
        raise AssertionError(f"dapper-tui did not exit:\n{self.screen()}")

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    if not COMMAND.exists():
        pytest.skip(f"the dapper-tui command is not installed next to {sys.executable}")
    shutil.copy(EXAMPLES / "shop_demo.py", tmp_path / "shop_demo.py")
    shutil.copytree(EXAMPLES / "shop", tmp_path / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    t = Terminal(tmp_path)
    yield t
    t.close()


def test_launch_stop_step_inspect_continue_to_exit(term: Terminal) -> None:
    term.start("--stop-on-entry", "shop_demo.py")
    term.wait_for("stopped  Entry")
    screen = term.wait_for("F11 Into")  # the footer, at the terminal's full width
    assert "Call stack" in screen
    assert "Variables" in screen
    assert "F5 Continue" in screen
    # step over the imports and the first assignments (VS Code and pudb keys)
    for key, line in (("F10", 6), ("n", 7), ("n", 9), ("n", 11), ("n", 14)):
        term.keys(key)  # a step key pressed while the program runs is refused: wait for each stop
        term.wait_for(f"<module>  shop_demo.py:{line} ")
    screen = term.wait_for("stock [3] = {'apple': 10, 'pear': 4")  # a container's length, by its name
    # evaluate an expression in the stopped frame
    term.keys("e")
    term.wait_for("Evaluate in <module>")
    term.type("stock['pear'] * 2")
    term.keys("Enter")
    term.wait_for("» stock['pear'] * 2")
    screen = term.wait_for("8")
    term.keys("Escape")  # the evaluate shell stays open for more until Escape
    term.wait_for("F5 Continue")
    # continue to the end: the program's output, then the exit code with a restart offer
    term.keys("F5")
    term.wait_for("The program exited with code 0")
    screen = term.wait_for("takings: 126.72")  # the Output pane may repaint a frame after the dialog
    assert "ada pays 36.00" in screen
    assert "grace pays 45.36" in screen  # 10% off above 40
    term.keys("q")  # quit from the exit dialog
    assert term.exit_status() == 0  # dapper-tui returns the program's exit code


def test_edit_and_save_while_stopped_then_continue_runs_the_new_code(term: Terminal) -> None:
    program = term.tmp / "shop_demo.py"
    line = line_of(program, "total = cart.total()")
    # a breakpoint remembered from an earlier session of this project
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    env_before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(term.tmp / "state")
    try:
        from dapper_tui.engine.persist import ProjectState

        state = ProjectState.load(program)
        state.breakpoints = {str(program.resolve()): [{"line": line}]}
        state.save()
    finally:
        if env_before is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = env_before
    term.start("--no-stop-on-entry", "shop_demo.py")
    term.wait_for(f"Breakpoint at shop_demo.py:{line}")
    # edit a helper module and save it, as an editor would
    pricing = term.tmp / "shop" / "pricing.py"
    time.sleep(0.3)  # the watcher starts just after the first paint
    pricing.write_text(
        pricing.read_text().replace("return round(amount * (1 + TAX_RATE), 2)", "return 1000.0")
    )
    screen = term.wait_for("applied")
    assert "shop.pricing" in screen
    term.keys("b")  # remove the breakpoint on the current line, then run to the end
    term.keys("c")
    screen = term.wait_for("The program exited with code 0")
    assert "ada pays 1000.00" in screen
    assert "takings: 3000.00" in screen


def test_output_below_sys_stdout_goes_to_the_output_pane(term: Terminal) -> None:
    """A child process, os.write and C-level stderr reach the Output pane, never the app's screen."""
    (term.tmp / "lowlevel.py").write_text(
        "import os, subprocess, sys\n"
        "os.system('echo FROM-A-SHELL')\n"
        "os.write(1, b'RAW-FD-ONE\\n')\n"
        "subprocess.run([sys.executable, '-c', 'import sys; sys.stderr.write(\"CHILD-STDERR\\\\n\")'])\n"
        "print('from print')\n"
    )
    term.start("--no-stop-on-entry", "lowlevel.py")
    term.wait_for("The program exited with code 0")
    screen = term.wait_for("from print")  # the pane under the exit question may be drawn a frame later
    lines = screen.splitlines()
    for text in ("FROM-A-SHELL", "RAW-FD-ONE", "CHILD-STDERR", "from print"):
        assert text in screen, screen
        # inside the Output pane's border, not written over the top of the screen
        line = next(line for line in lines if text in line)
        assert line.lstrip().startswith(("│", "┃", "▌", "|")) or "│" in line.split(text)[0], screen
    assert not any(line.startswith(("FROM-A-SHELL", "RAW-FD-ONE", "CHILD-STDERR")) for line in lines), screen
    term.keys("q")
    assert term.exit_status() == 0


def _remember_breakpoint(tmp: Path, program: Path, path: Path, line: int) -> None:
    """A breakpoint remembered from an earlier session of the project (how a user's breakpoints come back)."""
    env_before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp / "state")
    try:
        from dapper_tui.engine.persist import ProjectState

        state = ProjectState.load(program)
        state.breakpoints = {str(path.resolve()): [{"line": line}]}
        state.save()
    finally:
        if env_before is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = env_before


def test_reload_then_restart_the_frame_from_the_call_stack(term: Terminal) -> None:
    """Stop in a function, change its loop header (the frame cannot continue in that code), reload with R,
    restart the frame with the call stack's key, continue: the call answers once, from the new code."""
    main = term.tmp / "main.py"
    calc = term.tmp / "calc.py"
    main.write_text('import calc\n\nprint("result", calc.total(4))\nprint("done")\n')
    calc.write_text(
        "def total(n):\n"
        "    acc = 0  # first line\n"
        "    for i in range(n):\n"
        "        acc += i  # loop line\n"
        "    return acc\n"
    )
    loop = line_of(calc, "# loop line")
    _remember_breakpoint(term.tmp, main, calc, loop)
    term.start("--no-stop-on-entry", "main.py")
    term.wait_for(f"Breakpoint at calc.py:{loop}")
    term.keys("b")  # the breakpoint off (the cursor is on the stopped line): the restarted loop runs through
    term.wait_for("F9 / b: add")  # the Breakpoints pane is empty
    calc.write_text(
        calc.read_text().replace("range(n)", "range(n + 1)").replace("acc += i ", "acc += i * 100 ")
    )
    term.keys("R")
    # the reload log offers the restart: the stopped frame keeps its old code (a changed loop header)
    term.wait_for("keeps its old code")
    term.wait_for("[old code]")  # on the call stack
    term.focus_pane_with_key("a Restart frame")  # the call stack (the reload log adds its f Scope filter)
    term.keys("a")
    screen = term.wait_for("Frame restarted")
    assert f"total  calc.py:{line_of(calc, '# first line')}" in screen, screen
    term.keys("c")
    screen = term.wait_for("The program exited with code 0")
    screen = term.wait_for("done")  # the Output pane may repaint a frame after the dialog
    assert "result 1000" in screen, screen  # total(4) in the new code: 0 + 100 + 200 + 300 + 400
    assert screen.count("result ") == 1, screen  # once: not the old loop's 6 as well
    term.keys("q")
    assert term.exit_status() == 0
