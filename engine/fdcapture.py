"""The program's descriptors 0, 1 and 2 under a full-screen front end: a terminal of its own.

Descriptors 1 and 2 become the slave ends of two pseudo-terminals, so `os.isatty(1)` is true in the program and
in the child processes it starts, and colour libraries colour as they do in a terminal. A reader thread per
pseudo-terminal turns what arrives on its master end into `Output` events, so nothing the program writes (a C
extension, `os.write`, `os.system`, `subprocess` with inherited streams) can draw over the front end. Two
pseudo-terminals, not one: stdout and stderr stay told apart (the Output pane shows stderr in red), at the cost
of the order between the two streams, which pipes did not keep either. The window size of both is the Output
pane's (`resize`), the terminal's until the pane says.

Descriptor 0 becomes /dev/null: the keyboard is the front end's, and a child process that reads its standard
input gets end of file instead of taking keys away from the front end. (It also keeps libraries that size
themselves from descriptor 0 first, as Rich does, from taking the real terminal's size for the pane's.) The
program's own `input()` is answered by the front end (engine/programio.py).

The terminal itself stays reachable through duplicates of the original descriptors 0 and 2, which
`terminal_in` and `terminal_err` are files on: a front end reads and draws there (and sizes itself from the
latter; descriptor 1 stays the program's, so its `shutil.get_terminal_size()` is the pane's).
"""

from __future__ import annotations

import codecs
import fcntl
import os
import select
import struct
import termios
import threading
import time
from collections.abc import Callable
from typing import TextIO

from .events import Event, Output

_CATEGORIES = {1: "stdout", 2: "stderr"}


class DescriptorCapture:
    def __init__(self, emit: Callable[[Event], None]) -> None:
        self._emit = emit
        self._saved: dict[int, int] = {}
        self._masters: dict[int, int] = {}  # descriptor -> its pseudo-terminal's master end, while read
        self._lock = threading.Lock()  # a master is never resized after its reader closed it
        self._read = threading.Condition()  # notified when a reader has handed on a chunk
        self._held: dict[int, int] = {1: 0, 2: 0}  # per descriptor: bytes read, not handed on yet
        self._chunks = 0  # chunks handed on so far
        self._readers: list[threading.Thread] = []
        self.terminal_in: TextIO | None = None
        self.terminal_err: TextIO | None = None

    def start(self) -> None:
        """Give the program its own terminal on descriptors 1 and 2, and /dev/null on 0. Idempotent."""
        if self._saved:
            return
        try:
            columns, lines = os.get_terminal_size(1)
        except OSError:
            columns, lines = 80, 24
        for fd in (0, 1, 2):
            self._saved[fd] = os.dup(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        for fd in (1, 2):
            master, slave = os.openpty()
            _set_size(master, columns, lines)
            os.dup2(slave, fd)
            os.close(
                slave
            )  # descriptor fd is its only slave end: the reader sees the end when it is given back
            self._masters[fd] = master
            reader = threading.Thread(
                target=self._pump, args=(fd, master, _CATEGORIES[fd]), name=f"dapper-fd{fd}", daemon=True
            )
            reader.start()
            self._readers.append(reader)
        # Files on duplicates of the terminal's descriptors; the output one line-buffered like a terminal's.
        self.terminal_in = open(os.dup(self._saved[0]), closefd=True)  # noqa: SIM115
        self.terminal_err = open(os.dup(self._saved[2]), "w", buffering=1, closefd=True)  # noqa: SIM115

    def resize(self, columns: int, lines: int) -> None:
        """The program's terminal is `columns` x `lines` from now on (what `os.get_terminal_size` answers)."""
        if columns <= 0 or lines <= 0:
            return
        with self._lock:
            for master in self._masters.values():
                _set_size(master, columns, lines)

    def drain(self, timeout: float = 0.2) -> None:
        """Return once nothing written to the program's terminals waits to be handed on as Output events (or
        after `timeout`, when a child process keeps writing): output a child process or `os.write` wrote comes
        before the program's next `print`. Bytes written in the last instant may still be on their way through
        the kernel's pseudo-terminal buffers, which `FIONREAD` does not count."""
        deadline = time.monotonic() + timeout
        with self._read:
            while True:
                with self._lock:
                    waiting = any(self._held.values()) or any(_unread(m) for m in self._masters.values())
                left = deadline - time.monotonic()
                if not waiting or left <= 0:
                    return
                self._read.wait(left)

    def settle(self, quiet: float = 0.02, timeout: float = 0.5) -> None:
        """The program has ended: return once its terminals have been quiet for `quiet` seconds after a drain (or
        after `timeout`), so bytes still on their way through the kernel are handed on too."""
        deadline = time.monotonic() + timeout
        while True:
            self.drain(max(0.0, deadline - time.monotonic()))
            with self._read:
                chunks = self._chunks
                self._read.wait(min(quiet, max(0.0, deadline - time.monotonic())))
                if self._chunks == chunks or time.monotonic() >= deadline:
                    return

    def stop(self, timeout: float = 1.0) -> None:
        """Give descriptors 0, 1 and 2 back to the terminal; what the program wrote before is delivered first.
        A child process the program left running keeps its terminal open: its later output is dropped."""
        if not self._saved:
            return
        for fd, saved in self._saved.items():
            os.dup2(saved, fd)
            os.close(saved)
        self._saved.clear()
        for reader in self._readers:
            reader.join(timeout)
        self._readers.clear()
        for f in (self.terminal_in, self.terminal_err):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        self.terminal_in = self.terminal_err = None

    def _pump(self, fd: int, master: int, category: str) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        ready = select.poll()
        ready.register(master, select.POLLIN)
        try:
            while True:
                ready.poll()
                with self._read:  # bytes are on the master or held here, never in between (see `drain`)
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:  # EIO: every slave end is closed, and everything written was read
                        chunk = b""
                    self._held[fd] = len(chunk)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                    if text:
                        self._emit(Output(category, text))  # type: ignore[arg-type]
                finally:
                    with self._read:
                        self._held[fd] = 0
                        self._chunks += 1
                        self._read.notify_all()
                if not chunk:
                    break
        finally:
            with self._lock:
                self._masters.pop(fd, None)
                os.close(master)
            with self._read:
                self._read.notify_all()


def _unread(master: int) -> int:
    """How many bytes wait to be read on `master`."""
    count: int = struct.unpack("i", fcntl.ioctl(master, termios.FIONREAD, b"\0\0\0\0"))[0]
    return count


def _set_size(fd: int, columns: int, lines: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
