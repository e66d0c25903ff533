"""Output the program writes below Python's `sys.stdout`: to file descriptors 1 and 2 directly (`os.write`,
C extensions) or through the child processes it starts (`os.system`, `subprocess` with inherited streams).

`programio` catches what goes through `sys.stdout` and `sys.stderr`; this catches the rest. Descriptors 1 and
2 are pointed at pipes whose reader threads turn every chunk into an `Output` event, so nothing the program
does can draw over a full-screen front end. The terminal itself stays reachable through duplicates of the
original descriptors, which `terminal_out` and `terminal_err` are files on: a front end writes there.
"""

from __future__ import annotations

import codecs
import os
import threading
from collections.abc import Callable
from typing import TextIO

from .events import Event, Output

_CATEGORIES = {1: "stdout", 2: "stderr"}


class DescriptorCapture:
    def __init__(self, emit: Callable[[Event], None]) -> None:
        self._emit = emit
        self._saved: dict[int, int] = {}
        self._readers: list[threading.Thread] = []
        self.terminal_out: TextIO | None = None
        self.terminal_err: TextIO | None = None

    def start(self) -> None:
        """Point descriptors 1 and 2 at pipes. Idempotent."""
        if self._saved:
            return
        for fd in (1, 2):
            self._saved[fd] = os.dup(fd)
            read_end, write_end = os.pipe()
            os.dup2(write_end, fd)
            os.close(write_end)
            reader = threading.Thread(
                target=self._pump, args=(read_end, _CATEGORIES[fd]), name=f"dapper-fd{fd}", daemon=True
            )
            reader.start()
            self._readers.append(reader)
        # Files on duplicates of the terminal descriptors, line-buffered like a terminal's own streams.
        self.terminal_out = open(os.dup(self._saved[1]), "w", buffering=1, closefd=True)  # noqa: SIM115
        self.terminal_err = open(os.dup(self._saved[2]), "w", buffering=1, closefd=True)  # noqa: SIM115

    def stop(self, timeout: float = 1.0) -> None:
        """Give descriptors 1 and 2 back to the terminal; what is still in the pipes is delivered first. A
        child process the program left running may hold a pipe open: its later output is dropped."""
        if not self._saved:
            return
        for fd, saved in self._saved.items():
            os.dup2(saved, fd)
            os.close(saved)
        self._saved.clear()
        for reader in self._readers:
            reader.join(timeout)
        self._readers.clear()
        for f in (self.terminal_out, self.terminal_err):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        self.terminal_out = self.terminal_err = None

    def _pump(self, fd: int, category: str) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                text = decoder.decode(chunk, final=not chunk)
                if text:
                    self._emit(Output(category, text))  # type: ignore[arg-type]
                if not chunk:
                    break
        finally:
            os.close(fd)
