"""The agent console's garbage-collector settings, applied once the app is on screen.

A full collection walks every tracked object, and Textual plus Rich leave about 40,000 of them after start-up:
on a small machine that is 30 to 80 ms, long enough to drop frames while a long thread is appended to. The
agent console runs no user code in its own process (tools run in capsule subprocesses), so it can do what
long-running servers do:

- `gc.freeze()` after start-up moves the modules, classes and widgets that live as long as the app out of the
  collector's reach, so a full pass only walks what was made since;
- a larger first generation (20,000 allocations instead of 700) lets a frame's short-lived objects die by
  reference counting before a collection can promote them, so full passes become rare.

The debugger does not do this: the program it debugs runs in its process, its garbage collection must stay as
Python's defaults make it, and hot reload looks for live functions with `gc.get_objects()`, which does not
see frozen objects.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000


def settle_after_startup() -> None:
    """Freeze what start-up made and widen the young generation (call once, after the first paint)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
