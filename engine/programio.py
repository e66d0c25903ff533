"""The program's standard streams: output goes to the front end, never onto the app's screen; input() is
answered by the front end.

sys.stdout/sys.stderr/sys.stdin are process-wide, so they are replaced by proxies that look at the calling
thread: a debuggee thread's writes become Output events, every other thread writes where it wrote before.
"""

from __future__ import annotations

import io
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from .events import Event, InputRequested, Output
from .threads import DebuggeeThreads


class _OutProxy(io.TextIOBase):
    def __init__(
        self, category: str, original: TextIO, threads: DebuggeeThreads, emit: Callable[[Event], None]
    ):
        self._category = category
        self._original = original
        self._threads = threads
        self._emit = emit
        self.last_prompt = ""

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if threading.get_ident() in self._threads.idents:
            if s:
                self.last_prompt = s.rsplit("\n", 1)[-1]
                self._emit(Output(self._category, s))  # type: ignore[arg-type]
            return len(s)
        return self._original.write(s)

    def flush(self) -> None:
        if threading.get_ident() not in self._threads.idents:
            try:
                self._original.flush()
            except (OSError, ValueError):
                pass

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def fileno(self) -> int:
        if threading.get_ident() in self._threads.idents:
            raise io.UnsupportedOperation("the debuggee's output is captured by dapper-tui")
        return self._original.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class _InProxy(io.TextIOBase):
    def __init__(self, original: TextIO, threads: DebuggeeThreads, program: ProgramIO):
        self._original = original
        self._threads = threads
        self._program = program

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if threading.get_ident() not in self._threads.idents:
            return self._original.readline()
        return self._program.wait_input()

    def read(self, size: int | None = -1) -> str:
        return self.readline()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise io.UnsupportedOperation("the debuggee's stdin is answered by dapper-tui")


class ProgramIO:
    def __init__(self, threads: DebuggeeThreads, emit: Callable[[Event], None]):
        self._threads = threads
        self._emit = emit
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._saved: tuple[Any, Any, Any] | None = None
        self._stdout: _OutProxy | None = None
        self.waiting = threading.Event()

    def install(self) -> None:
        if self._saved is not None:
            return
        self._saved = (sys.stdout, sys.stderr, sys.stdin)
        self._stdout = _OutProxy("stdout", sys.stdout, self._threads, self._emit)
        sys.stdout = self._stdout  # type: ignore[assignment]
        sys.stderr = _OutProxy("stderr", sys.stderr, self._threads, self._emit)  # type: ignore[assignment]
        sys.stdin = _InProxy(sys.stdin, self._threads, self)  # type: ignore[assignment]

    def uninstall(self) -> None:
        if self._saved is None:
            return
        sys.stdout, sys.stderr, sys.stdin = self._saved
        self._saved = None
        self._answers.put(None)

    def wait_input(self) -> str:
        prompt = self._stdout.last_prompt if self._stdout else ""
        self.waiting.set()
        self._emit(InputRequested(prompt))
        try:
            answer = self._answers.get()
        finally:
            self.waiting.clear()
        if answer is None:
            return ""  # EOF: the session is ending
        return answer if answer.endswith("\n") else answer + "\n"

    def send(self, text: str | None) -> None:
        """Answer the program's pending (or next) read of stdin; None is end of file."""
        self._answers.put(text)
