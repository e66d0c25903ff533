"""A real terminal for the end-to-end tests: a tmux server of the test's own (a socket named for it), one window
of 160x45 that runs a command; the test reads the screen and sends keys as a user would.

Imported one way, `from tmuxterm import COMMAND, Terminal, needs_tmux` (tests/ is on sys.path: pytest puts the
folder of the top-level conftest.py there). A test module marks itself with `pytestmark = needs_tmux`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers import wait_until

# The installed command, next to the interpreter that runs the tests.
COMMAND = Path(sys.executable).parent / "dapper-tui"

needs_tmux = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

CONF = "set -g default-size 160x45\nset -g remain-on-exit on\nset -g status off\n"


class Terminal:
    """`command` (the words before each `start`'s own) in a tmux window; `tmp` is the working folder and holds the
    tmux config, the exit status and the state folder (XDG_STATE_HOME) of what runs there."""

    def __init__(self, tmp: Path, command: Sequence[str] = (), name: str = "dapper") -> None:
        self.socket = f"{name}-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp
        self.command = list(command)
        self.conf = tmp / "tmux.conf"
        self.conf.write_text(CONF)
        self.status = tmp / "exit-status"

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout

    def start(self, *args: str, **env: str) -> None:
        """Run the command with `args` (joined by spaces and read by a shell) in a new window, with `env` set; the
        shell around it writes its exit status (tmux may be slow to notice that a pane's process ended)."""
        env = {
            "XDG_STATE_HOME": str(self.tmp / "state"),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            **env,
        }
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        argv = " ".join([*self.command, *args])
        command = f"env -u COLUMNS -u LINES -u PYTEST_ADDOPTS {exports} {argv}; echo $? > {self.status}"
        self.tmux("new-session", "-d", "-x", "160", "-y", "45", "-c", str(self.tmp), f"sh -c '{command}'")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p")

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """The screen, once `text` is on it."""
        seen = [""]

        def shown() -> str:
            seen[0] = self.screen()
            return seen[0] if text in seen[0] else ""

        return wait_until(shown, timeout, lambda: f"{text!r} on the screen:\n{seen[0]}", interval=0.05)

    def keys(self, *keys: str, delay: float = 0.15) -> None:
        """Press `keys` (tmux key names), `delay` seconds apart, as a user types them."""
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
            try:
                wait_until(lambda: self.footer().split(" F5 Continue")[0].strip() == keys, 0.6, interval=0.05)
                return
            except AssertionError:
                footers.append(self.footer()[:40])
        raise AssertionError(f"no pane showed {keys!r} in the footer: {footers}\n{self.screen()}")

    def exit_status(self, timeout: float = 30.0) -> int:
        """The exit status of the command, once it has ended."""

        def written() -> str:
            return self.status.read_text().strip() if self.status.exists() else ""

        return int(
            wait_until(written, timeout, lambda: f"the command to end:\n{self.screen()}", interval=0.05)
        )

    def close(self) -> None:
        self.tmux("kill-server")
