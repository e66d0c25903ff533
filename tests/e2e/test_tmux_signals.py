"""End to end, in tmux: the installed command gives the program the main thread (its signal handlers work),
`kill -INT` pauses it, and a killed app leaves the terminal usable."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from helpers import program, wait_until
from tmuxterm import COMMAND, Terminal, needs_tmux

pytestmark = needs_tmux


def program_pid(term: Terminal, timeout: float = 10.0) -> int:
    """The dapper-tui process: the child of the pane's shell."""
    shell = term.tmux("display", "-p", "#{pane_pid}").strip()

    def child() -> list[str]:
        return subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()

    return int(wait_until(child, timeout, "a dapper-tui process under the pane's shell", interval=0.05)[0])


def test_signal_handlers_work_in_the_program(term: Terminal, tmp_path: Path) -> None:
    program(tmp_path, "signals.py")
    term.start("--no-stop-on-entry", "signals.py")
    term.wait_for("exited with code 0")
    # the Output pane may be drawn a frame after the exit question
    for line in ("main thread: True", "SIGUSR1 handled: True", "add_signal_handler fired"):
        term.wait_for(line)


def test_kill_int_pauses_the_running_program(term: Terminal, tmp_path: Path) -> None:
    program(tmp_path, "loop.py")
    term.start("--no-stop-on-entry", "loop.py")
    term.wait_for("running")
    pid = program_pid(term)
    term.wait_for("looping")  # in the program's loop
    os.kill(pid, signal.SIGINT)
    screen = term.wait_for("Paused")
    assert "<module>  loop.py" in screen
    assert "dapper-tui:" not in screen  # the front end's own frames below the program are not shown
    assert "KeyboardInterrupt" not in screen


def test_a_killed_app_gives_the_terminal_back(term: Terminal, tmp_path: Path) -> None:
    program(tmp_path, "loop.py")
    # the shell stays, as a user's would: a pane whose shell has ended keeps its last modes
    command = f"TERM=xterm-256color {COMMAND} --no-stop-on-entry loop.py; sleep 60"
    term.tmux("new-session", "-d", "-x", "160", "-y", "45", "-c", str(tmp_path), f"sh -c '{command}'")
    term.wait_for("running")
    assert term.tmux("display", "-p", "#{alternate_on} #{mouse_any_flag}").split() == ["1", "1"]
    os.kill(program_pid(term), signal.SIGKILL)
    wait_until(
        lambda: term.tmux("display", "-p", "#{alternate_on} #{mouse_any_flag}").split() == ["0", "0"],
        10,
        "still in the alternate screen or with mouse reporting on",
    )
