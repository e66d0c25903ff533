"""A thread that holds Python's global import lock is never parked.

While a `sys.meta_path` finder runs (or a path entry finder it calls: setuptools' `_distutils_hack`, a user's
import hook), importlib holds the interpreter's global import lock (`_find_spec` runs each finder inside
`with _ImportLockContext()`), on 3.11, 3.12 and 3.13 alike. Every other thread's first import of a module takes
that lock too (`_get_module_lock`), so a program parked there would block the front end the next time it imports
lazily, and nothing would answer, not even quit. A stop that would park such a thread (a breakpoint in a finder, a
step into an `import` line that lands in one, a pause) is carried on instead, as a step into, to the first line
shown after the lock is released; that stop says which one was skipped and why.

A module's top-level code, while the module is being imported, holds only that module's own lock (a
`_ModuleLock`), not the global one: a stop there is an ordinary stop.
"""

from __future__ import annotations

import _imp
from types import FrameType

from .events import Event, Exited

_BOOTSTRAP = "<frozen importlib._bootstrap>"

_WHY = (
    "where Python holds its import lock (a stop there would block every import, the debugger's own too); "
    "stopped at the first line after it"
)


def holds_import_lock(frame: FrameType) -> bool:
    """Does the thread running `frame` (the calling thread) hold the global import lock?

    `_imp.lock_held()` tells whether any thread does. A finder called by importlib's `_find_spec` on this thread's
    stack says it is this one. Otherwise (a program that took the lock itself, with `_imp.acquire_lock()`),
    releasing one level of it tells, since only the owner may: it is taken again at once.
    """
    if not _imp.lock_held():
        return False
    f: FrameType | None = frame
    while f is not None:
        code = f.f_code
        if code.co_name == "_find_spec" and code.co_filename == _BOOTSTRAP:
            return True
        f = f.f_back
    try:
        _imp.release_lock()
    except RuntimeError:  # another thread holds it
        return False
    _imp.acquire_lock()
    return True


class ImportLockStops:
    """The stop a thread skipped because it held the import lock, told at the thread's next stop. Any stop ends
    every step, and so every skip still waiting; so does the end of the run."""

    def __init__(self) -> None:
        self._skipped: dict[int, str] = {}

    def skip(self, ident: int, frame: FrameType, description: str) -> bool:
        """Must this stop (its description) be skipped, the thread holding the import lock? The first one
        skipped is remembered for the thread's next stop."""
        if not holds_import_lock(frame):
            return False
        self._skipped.setdefault(ident, description)
        return True

    def describe(self, ident: int, description: str) -> str:
        """The description of the thread's stop, with the stop it skipped before, if any."""
        skipped = self._skipped.pop(ident, None)
        self._skipped.clear()
        if skipped is None:
            return description
        said = (
            f"Step: on past an import hook, {_WHY}"
            if skipped == "Step"
            else f"{skipped} skipped: it was in an import hook, {_WHY}"
        )
        return said if description in ("Step", skipped) else f"{description} ({said})"

    def on_event(self, event: Event) -> None:
        if isinstance(event, Exited):
            self._skipped.clear()
