"""A failed tool call's error text: the exception's line, then its traceback, in the capsule (subprocess).

    ValueError: bad input
    Traceback (most recent call last):
      File "/.../src/tools/t.py", line 12, in explode
        raise ValueError("bad input")
    ValueError: bad input

The first line is what a short view shows; the traceback (the frames of the project's own files, not the
host's or the thread pool's; every frame when none is the project's) follows on the next line. Over MCP the
two are two text contents (the first is the line alone), which the console's connection joins again. The model
gets the whole text, as do the thread (where the console shows it collapsed) and ``--json``. The traceback is
also written to the capsule's stderr, which is ``data/logs/capsule.log``.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

TRACEBACK_MARK = "\nTraceback (most recent call last):\n"
_MAX_FRAMES = 30


def tool_error_text(name: str, exc: BaseException, root: Path | None = None) -> str:
    """``"Type: message"``, a blank line and the traceback; the traceback also goes to stderr."""
    head = f"{type(exc).__name__}: {exc}"
    te = traceback.TracebackException.from_exception(exc)
    if root is not None:
        base = str(root.resolve())
        own = [f for f in te.stack if _resolved(f.filename).startswith(base)]
        if own:
            te.stack = traceback.StackSummary.from_list(own)
    if len(te.stack) > _MAX_FRAMES:
        te.stack = traceback.StackSummary.from_list(te.stack[-_MAX_FRAMES:])
    formatted = "".join(te.format()).rstrip("\n")
    try:
        sys.stderr.write(f"tool {name} failed:\n{formatted}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    if not formatted.startswith("Traceback (most recent call last):\n"):
        return head  # no frames at all (nothing to show beyond the line)
    return head + "\n" + formatted


def split_traceback(text: str) -> tuple[str, str]:
    """``(message, traceback)`` of an error result (``traceback`` is ``""`` when it has none)."""
    at = text.find(TRACEBACK_MARK)
    if at < 0:
        return text, ""
    return text[:at], text[at + 1 :]


def _resolved(filename: str) -> str:
    try:
        return str(Path(filename).resolve())
    except (OSError, ValueError):
        return filename
