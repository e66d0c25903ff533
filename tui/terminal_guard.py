"""A killed app must not leave the terminal unusable.

If the process dies while the app draws (SIGKILL, SIGTERM, a crash in C), the terminal stays in the alternate
screen, in raw mode, with mouse reporting on. A signal handler cannot help: SIGKILL has none, and SIGTERM's
belongs to the program. So a small guard process, started before the app, holds the read end of a pipe. On a
clean exit the app writes to it and the guard leaves quietly; if the pipe closes without a word (the app's
process is gone), the guard puts the terminal back as it was before the app started.

The guard runs in a session of its own, so a signal sent to the app's process group does not end it too. The
pipe's write end is not inherited by programs the debuggee starts (close-on-exec); a forked child closes it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import termios

# Run with `python -S -c`, formatted with the pipe's descriptor and the terminal's settings from before the app.
_GUARD = r"""
import os, termios
if os.read(%d, 1) == b"":
    reset = ("\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l\x1b[?2004l\x1b[?1004l\x1b[?2048l"
             "\x1b[<u\x1b[?7h\x1b[?25h\x1b[?1049l")
    os.write(1, reset.encode())
    termios.tcsetattr(0, termios.TCSANOW, %r)
"""


class TerminalGuard:
    """Start before the app takes the terminal; `release()` after it has given it back."""

    def __init__(self) -> None:
        self._write: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        if not (os.isatty(0) and os.isatty(1)):
            return
        try:
            before = termios.tcgetattr(0)  # now, before the app puts the terminal in raw mode
        except termios.error:
            return
        read, write = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-S", "-c", _GUARD % (read, before)],
                pass_fds=(read,),
                start_new_session=True,
                stdout=None,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            os.close(write)
            return
        finally:
            os.close(read)
        self._write = write  # os.pipe() descriptors are close-on-exec already; a forked child closes it:
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        if self._write is not None:
            try:
                os.close(self._write)
            except OSError:
                pass
            self._write = None

    def release(self) -> None:
        """The app ended cleanly: the guard has nothing to do."""
        if self._write is None:
            return
        try:
            os.write(self._write, b"k")
            os.close(self._write)
        except OSError:
            pass
        self._write = None
        if self._proc is not None:
            try:
                self._proc.wait(2.0)
            except subprocess.TimeoutExpired:
                self._proc.kill()
