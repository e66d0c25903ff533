"""Program output joined into lines: one DAP `output` event per printed line, not one per `write`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# program output without a newline is sent after this long
OUTPUT_FLUSH_DELAY = 0.03
OUTPUT_MAX_PENDING = 64 * 1024


class OutputJoiner:
    """Joins program output into whole lines: a `print` of several values is written piece by piece ("a", " ",
    "b", "\\n"), and each piece would otherwise be an `output` event of its own.

    Text is sent up to its last newline at once; a rest without a newline waits OUTPUT_FLUSH_DELAY (an
    `input()` prompt, a progress bar) or until the category changes, a non-output event is sent (`flush`), or
    too much is pending. Sending happens under one lock, so output from several threads keeps its order.
    """

    def __init__(self, send: Callable[[str, str], None], delay: float = OUTPUT_FLUSH_DELAY) -> None:
        self._send = send
        self._delay = delay
        self._cv = threading.Condition()
        self._category: str | None = None
        self._parts: list[str] = []
        self._size = 0
        self._deadline: float | None = None
        self._closed = False
        self._timer = threading.Thread(target=self._run, name="dapper-tui dap output", daemon=True)
        self._timer.start()

    def write(self, category: str, text: str) -> None:
        if not text:
            return
        with self._cv:
            if self._category != category:
                self._flush_locked()
                self._category = category
            self._parts.append(text)
            self._size += len(text)
            if self._size >= OUTPUT_MAX_PENDING:
                self._flush_locked()
            elif "\n" in text:
                joined = "".join(self._parts)
                cut = joined.rfind("\n") + 1
                self._parts = [joined[cut:]] if cut < len(joined) else []
                self._size = len(joined) - cut
                self._send(category, joined[:cut])
            if self._parts and self._deadline is None:
                self._deadline = time.monotonic() + self._delay
                self._cv.notify_all()
            elif not self._parts:
                self._deadline = None

    def flush(self) -> None:
        with self._cv:
            self._flush_locked()

    def close(self) -> None:
        with self._cv:
            self._flush_locked()
            self._closed = True
            self._cv.notify_all()

    def _flush_locked(self) -> None:
        self._deadline = None
        if not self._parts:
            return
        text, self._parts, self._size = "".join(self._parts), [], 0
        assert self._category is not None
        self._send(self._category, text)

    def _run(self) -> None:
        with self._cv:
            while not self._closed:
                if self._deadline is None:
                    self._cv.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cv.wait(left)
                else:
                    self._flush_locked()
