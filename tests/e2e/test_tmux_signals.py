"""End to end, in tmux: the installed command gives the program the main thread (its signal handlers work),
`kill -INT` pauses it, and a killed app leaves the terminal usable."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import wait_until
from test_tmux import COMMAND, Terminal, pytestmark  # noqa: F401  (the tmux markers apply here too)


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    if not COMMAND.exists():
        pytest.skip("the dapper-tui command is not installed")
    t = Terminal(tmp_path)
    yield t
    t.close()


def program_pid(term: Terminal, timeout: float = 10.0) -> int:
    """The dapper-tui process: the child of the pane's shell."""
    shell = term.tmux("display", "-p", "#{pane_pid}").strip()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
        if out:
            return int(out[0])
        time.sleep(0.05)
    raise AssertionError("no dapper-tui process under the pane's shell")


SIGNALS = """\
import asyncio, os, signal, threading, time
print("main thread:", threading.current_thread() is threading.main_thread())
got = []
signal.signal(signal.SIGUSR1, lambda signum, frame: got.append(signum))
os.kill(os.getpid(), signal.SIGUSR1)
time.sleep(0.05)
print("SIGUSR1 handled:", bool(got))

async def main():
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(done.wait(), 5)
    print("add_signal_handler fired")

asyncio.run(main())
"""


def test_signal_handlers_work_in_the_program(term: Terminal, tmp_path: Path) -> None:
    (tmp_path / "signals.py").write_text(SIGNALS)
    term.start("--no-stop-on-entry", "signals.py")
    screen = term.wait_for("exited with code 0")
    assert "main thread: True" in screen
    assert "SIGUSR1 handled: True" in screen
    assert "add_signal_handler fired" in screen


LOOP = """\
import time
n = 0
while True:
    n += 1
    if n == 1:
        print("looping", flush=True)
    time.sleep(0.01)
"""


def test_kill_int_pauses_the_running_program(term: Terminal, tmp_path: Path) -> None:
    (tmp_path / "loop.py").write_text(LOOP)
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
    (tmp_path / "loop.py").write_text(LOOP)
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
