"""Tab completion of names and attributes for the evaluate prompt, in the selected frame of the stopped program.

The word before the cursor is completed: a name from the frame's locals, its globals, the builtins and the
keywords; or, after a dot, an attribute of what the dotted name before it is (only a plain dotted name is
evaluated, never a call or a subscript, so completing has no side effects beyond what attribute access has).
Names starting with `_` are offered only once `_` is typed.
"""

from __future__ import annotations

import builtins
import keyword
import re
from typing import Any

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


def word_before(text: str) -> tuple[str | None, str] | None:
    """(the dotted name whose attribute is being typed, or None for a plain name; the prefix typed so far), or
    None when nothing can be completed (an attribute of a call or a subscript: it is not evaluated)."""
    m = re.search(r"([A-Za-z_][\w.]*|)$", text)
    word = m.group(1) if m is not None else ""
    before = text[: len(text) - len(word)]
    if before.endswith((".", ")", "]")) or (before[-1:].isdigit()):
        return None
    if "." not in word:
        return None, word
    base, _, prefix = word.rpartition(".")
    return (base, prefix) if _DOTTED.match(base) else None


def candidates(session: Any, frame_id: int | None, text: str) -> tuple[str, list[str]]:
    """(the prefix being completed, the names that complete it, sorted). Runs code on the stopped thread."""
    word = word_before(text)
    if word is None:
        return "", []
    base, prefix = word
    if base is not None:
        try:
            names = list(session.evaluate_value(f"dir({base})", frame_id))
        except Exception:
            return prefix, []
    else:
        try:
            names = list(session.evaluate_value("[*locals(), *globals()]", frame_id))
        except Exception:
            names = []
        names += [*dir(builtins), *keyword.kwlist]
    private = prefix.startswith("_")
    found = sorted({n for n in names if n.startswith(prefix) and (private or not n.startswith("_"))})
    return prefix, found


def common_prefix(names: list[str]) -> str:
    """The longest start all `names` share."""
    if not names:
        return ""
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]
