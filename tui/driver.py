"""The terminal driver for an app that runs beside the program, not on the main thread.

The program owns the interpreter's main thread (see `engine/main_thread.py`), and only the main thread may set
signal handlers. Textual's LinuxDriver sets handlers for SIGWINCH (resize), SIGTSTP/SIGCONT (suspend) and
SIGTTOU/SIGTTIN. Here those calls are skipped when they come from the app's thread (the program keeps its
handlers), and the terminal size is polled instead of signalled. Terminals that report resizes in band (mode
2048) need no polling.

"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import Any

from textual import events
from textual.drivers import linux_driver
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Size


class _MainThreadSignals:
    """`signal` as the driver sees it: handlers are set only when asked from the main thread."""

    def __getattr__(self, name: str) -> Any:
        return getattr(signal, name)

    @staticmethod
    def signal(signum: int, handler: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            return signal.signal(signum, handler)
        return signal.getsignal(signum)


linux_driver.signal = _MainThreadSignals()  # type: ignore[assignment]  # stands in for the module


class BesideProgramDriver(LinuxDriver):
    """LinuxDriver that works off the main thread: no signal handlers, a polled terminal size."""

    POLL_SECONDS = 0.25

    def _get_terminal_size(self) -> tuple[int, int]:
        """The size of the terminal the app draws on (its own descriptor: descriptor 1 is the program's
        terminal, the Output pane's size, which is what the program's `shutil.get_terminal_size()` must say)."""
        file = self._file
        if file is None:
            return super()._get_terminal_size()
        try:
            size = os.get_terminal_size(file.fileno())
        except (ValueError, OSError):
            return super()._get_terminal_size()
        columns = int(os.environ.get("COLUMNS", 0) or 0) or size.columns  # as shutil.get_terminal_size()
        lines = int(os.environ.get("LINES", 0) or 0) or size.lines
        return columns, lines

    def start_application_mode(self) -> None:
        super().start_application_mode()
        self._size = self._get_terminal_size()
        self._polling = threading.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._poll_size, args=(loop,), name="textual-size", daemon=True).start()

    def _poll_size(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self._polling.wait(self.POLL_SECONDS):
            if self._in_band_window_resize:
                return
            size = self._get_terminal_size()
            if size == self._size:
                continue
            self._size = size
            resize = events.Resize(Size(*size), Size(*size))
            try:
                asyncio.run_coroutine_threadsafe(self._app._post_message(resize), loop=loop)
            except RuntimeError:  # the loop has closed
                return

    def stop_application_mode(self) -> None:
        polling = getattr(self, "_polling", None)
        if polling is not None:
            polling.set()
        super().stop_application_mode()
