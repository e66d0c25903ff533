from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[=>()][0-9A-Za-z]?)")
DAPPER_TUI = str(Path(sys.executable).parent / "dapper-tui")


class Terminal:
    """`dapper-tui --plain` on a real pseudo-terminal: keys in, screen text (escape sequences removed) out."""

    def __init__(self, args: list[str], cwd: Path, home: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 140, 0, 0))
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", XDG_STATE_HOME=str(home), COLUMNS="140")
        self.proc = subprocess.Popen(
            [DAPPER_TUI, "--plain", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.raw = b""
        self.pos = 0
        self._cv = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            with self._cv:
                if not data:
                    self.raw += b"\0EOF"
                    self._cv.notify_all()
                    return
                self.raw += data
                self._cv.notify_all()

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", "replace")).replace("\r", "")

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """Wait for `pattern` (a regex) after everything matched so far."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                if time.monotonic() > deadline or self.raw.endswith(b"\0EOF"):
                    raise AssertionError(
                        f"{pattern!r} not seen; screen after it:\n{self.text[self.pos :][-3000:]}"
                    )
                self._cv.wait(0.1)

    def at_entry(self) -> Terminal:
        """Wait for the stop on entry and its prompt; the terminal."""
        self.expect(r"\[Entry\]")
        self.prompt()
        return self

    def prompt(self) -> None:
        self.expect(r"\(dapper\) ")

    def send(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def command(self, line: str, *expected: str) -> None:
        """Type `line` and Enter, wait for each of the `expected` patterns in turn, then for the next prompt."""
        self.send(line)
        for pattern in expected:
            self.expect(pattern)
        self.prompt()

    def quit(self) -> int:
        """`q`, and the exit code."""
        self.send("q")
        return self.close()

    def keys(self, data: str) -> None:
        os.write(self.master, data.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"dapper-tui --plain did not exit; screen:\n{self.text[-2000:]}") from None
        finally:
            os.close(self.master)
