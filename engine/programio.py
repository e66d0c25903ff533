"""The program's standard streams: output goes to the front end, never onto the app's screen; input() is
answered by the front end.

sys.stdout/sys.stderr/sys.stdin are process-wide, so they are replaced by proxies that look at the calling
thread: a debuggee thread's writes become Output events, every other thread writes where it wrote before.

Under a full-screen front end descriptors 1 and 2 are a terminal of the program's own (`terminal`, see
engine/fdcapture.py): then the program's sys.stdout and sys.stderr are terminals too (`isatty()` is true,
`fileno()` is 1 or 2). Their text still goes straight to the front end as events, not through the
pseudo-terminal, so a `print` is shown before the stop, the input prompt or the exit that follows it, with no
hand-over to wait for. What was written to the descriptors before (a child process, `os.write`) is handed on
first after a pause in the program's writes (see `hand_on_descriptor_output`), so the two ways keep the
program's order; not for descriptor writes in the middle of a burst of prints.
"""

from __future__ import annotations

import io
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from .events import Event, InputRequested, Output
from .threads import DebuggeeThreads

if TYPE_CHECKING:
    from .fdcapture import DescriptorCapture

_PAUSE = 0.001  # seconds without a write after which the program's descriptors are looked at


class _OutProxy(io.TextIOBase):
    def __init__(self, category: str, original: TextIO, threads: DebuggeeThreads, program: ProgramIO):
        self._category = category
        self._original = original
        self._threads = threads
        self._program = program
        self.last_prompt = ""

    def write(self, s: str) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if threading.get_ident() in self._threads.idents:
            if s:
                self.last_prompt = s.rsplit("\n", 1)[-1]
                self._program.hand_on_descriptor_output()
                self._program._emit(Output(self._category, s))  # type: ignore[arg-type]
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
        if threading.get_ident() in self._threads.idents:
            return self._program.terminal is not None
        return self._original.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def fileno(self) -> int:
        if threading.get_ident() in self._threads.idents:
            if self._program.terminal is None:
                raise io.UnsupportedOperation("the debuggee's output is captured by dapper-tui")
            return 1 if self._category == "stdout" else 2
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
        # The program's own terminal on descriptors 1 and 2, set by a front end that made one; None: no terminal.
        self.terminal: DescriptorCapture | None = None
        self._last_write = 0.0

    def install(self) -> None:
        if self._saved is not None:
            return
        self._saved = (sys.stdout, sys.stderr, sys.stdin)
        self._stdout = _OutProxy("stdout", sys.stdout, self._threads, self)
        sys.stdout = self._stdout  # type: ignore[assignment, unused-ignore]
        sys.stderr = _OutProxy("stderr", sys.stderr, self._threads, self)  # type: ignore[assignment, unused-ignore]
        sys.stdin = _InProxy(sys.stdin, self._threads, self)  # type: ignore[assignment, unused-ignore]

    def uninstall(self) -> None:
        if self._saved is None:
            return
        sys.stdout, sys.stderr, sys.stdin = self._saved
        self._saved = None
        self._answers.put(None)

    def hand_over_in_child(self, out: TextIO, err: TextIO, stdin: TextIO) -> None:
        """A forked child (engine/forking.py): the program writes to `out`/`err` and reads `stdin`, as
        sys.stdout/stderr/stdin and through any proxy it kept a reference to; there is nothing to put back."""
        for proxy in (self._stdout, sys.stdout, sys.stderr, sys.stdin):
            if isinstance(proxy, _OutProxy):
                proxy._original = out if proxy._category == "stdout" else err
            elif isinstance(proxy, _InProxy):
                proxy._original = stdin
        if isinstance(sys.stdout, _OutProxy):
            sys.stdout = out
        if isinstance(sys.stderr, _OutProxy):
            sys.stderr = err
        if isinstance(sys.stdin, _InProxy):
            sys.stdin = stdin
        self._saved = None

    def hand_on_descriptor_output(self) -> None:
        """Before the program's text is handed on: what it wrote to its terminal's descriptors since its last
        text (a child process, `os.write`), so the Output pane has the program's order. Looked for only after
        a pause in the program's writes, which a child process always makes: looking costs system calls, and
        the app's thread, busy with a print loop's output, would take the interpreter at each one."""
        terminal = self.terminal
        if terminal is None:
            return
        now = time.monotonic()
        quiet = now - self._last_write
        self._last_write = now
        if quiet >= _PAUSE:
            terminal.drain()

    def set_terminal_size(self, columns: int, lines: int) -> None:
        """The size the program's terminal reports (the front end's output view); nothing without one."""
        if self.terminal is not None:
            self.terminal.resize(columns, lines)

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
