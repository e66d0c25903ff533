"""Line numbers of old code: where the user's breakpoints are in the text a replaced code object was compiled from.

After a reload, a frame that was not moved into the new code keeps running its old code object until it returns,
and that code counts its lines in the text it was compiled from, while the breakpoints have moved with their lines
(``BreakpointTable.remap`` with each reload's line map). So for a code object a reload replaced:

- the lines that hold breakpoints, for the backends that enable or inject per code object: each breakpoint's
  current line mapped back to the old text (``old_lines``); a breakpoint on a line the old text did not have maps
  to nothing, and an old line whose number merely equals a breakpoint's line is not one of them;
- the current line of an old line, for the session's breakpoint lookup (``current_line``).

The reloads of each file are kept as a chain: the text each one started from (exactly the object the hot reload
marked the code it replaced with) and its line map. An old code object's map is the composition of the line maps
from the reload that replaced its text to the last one: the same maps the breakpoints moved through. Where a
line maps to no line (deleted), it holds no breakpoint; where several old lines map onto one (an edited block
that shrank), the first of them holds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType

from .sources import canonical


@dataclass(frozen=True)
class _Map:
    forward: dict[int, int | None]  # old line -> current line (None: deleted since)
    back: dict[int, int]  # current line -> the first old line mapped onto it


@dataclass
class _Step:
    before: str  # the text the reload started from (the text of the code objects it replaced)
    line_map: dict[int, int | None]


class OldLines:
    """Per reloaded file, the chain of its reloads; per old source text, its map to the current numbering.

    ``source_of(code)`` is the text an old code object was compiled from, None for current code (the session
    passes its frame editor's, which also knows the 3.11 backend's hooked copies of a code object).
    """

    def __init__(self, source_of: Callable[[CodeType], str | None]) -> None:
        self._source_of = source_of
        self._lock = threading.Lock()
        self._steps: dict[str, list[_Step]] = {}
        self._maps: dict[tuple[str, str], _Map | None] = {}  # (path, old text) -> map, until a reload
        self.paths: frozenset[str] = frozenset()  # files reloaded at least once: only their code can be old

    # -- the reloads ----------------------------------------------------------------------------------------
    @staticmethod
    def text_of(path: str) -> str | None:
        """The text the module of ``path`` runs now (what the next reload compares with, and marks old code
        with). Called before a reload, for ``reloaded``."""
        from .hotreload import previous_source

        text, _ = previous_source(canonical(path), set())
        return text

    def reloaded(self, path: str, before: str | None, line_map: dict[int, int | None]) -> None:
        """A reload of ``path`` was applied: ``before`` is the text its module ran until then (``text_of``
        before the reload), ``line_map`` the reload's map from that text to the new one."""
        if before is None:  # the reload did not know the old text: it marked old code without one, and moved
            return  # no breakpoint (its line map is empty), so lines stay as they are
        real = canonical(path)
        with self._lock:
            self._steps.setdefault(real, []).append(_Step(before, dict(line_map)))
            self._maps = {key: m for key, m in self._maps.items() if key[0] != real}
            self.paths = self.paths | {real}

    # -- lookups (called from tracing callbacks) ---------------------------------------------------------
    def is_old(self, code: CodeType) -> bool:
        """Was ``code`` replaced by a reload (it counts lines in an old text)?"""
        return self._source_of(code) is not None

    def _map(self, code: CodeType, path: str) -> _Map | None:
        """The map of ``code``'s lines to the current numbering of its file; None for current code."""
        text = self._source_of(code)
        if text is None:
            return None
        key = (path, text)
        try:
            return self._maps[key]
        except KeyError:
            pass
        with self._lock:
            found = self._compose(path, text)
            self._maps[key] = found
        return found

    def _compose(self, path: str, text: str) -> _Map | None:
        steps = self._steps.get(path, [])
        start = next((i for i in range(len(steps) - 1, -1, -1) if steps[i].before == text), None)
        if start is None or not steps[start].line_map:
            return None  # a text no reload of this session started from (or an empty map): lines as they are
        forward: dict[int, int | None] = {}
        back: dict[int, int] = {}
        for line in sorted(steps[start].line_map):
            current: int | None = line
            for step in steps[start:]:
                if current is None:
                    break
                current = step.line_map.get(current, current)
            forward[line] = current
            if current is not None:
                back.setdefault(current, line)
        return _Map(forward, back)

    def old_lines(self, code: CodeType, path: str, lines: frozenset[int]) -> frozenset[int]:
        """The breakpoint ``lines`` (current numbering of ``path``) as lines of the text ``code`` was compiled
        from: themselves for current code."""
        m = self._map(code, path)
        if m is None:
            return lines
        back = m.back
        return frozenset(back[line] for line in lines if line in back)

    def current_line(self, code: CodeType, path: str, line: int) -> int | None:
        """The current line of ``path`` whose breakpoint stops ``code`` at its ``line``: ``line`` itself for
        current code; None when an old line holds no breakpoint line (deleted since, or not the first old line
        mapped onto it)."""
        m = self._map(code, path)
        if m is None:
            return line
        current = m.forward.get(line)
        if current is None or m.back.get(current) != line:
            return None
        return current
