"""The code objects the bytecode backend (3.11) patched with breakpoint hooks, and the live functions that run them.

A code object gets hooks in front of its breakpoint lines (`_hooks.inject_hooks`); a parent code object gets its
nested constants swapped, so closures and methods made later run the patched code too (`patch_tree`). The patched
copy is put on the live functions (`put`), and taken off again when the breakpoints are gone or the backend is
uninstalled (`restore`). Every patched copy knows its original and the lines it has hooks for (`hooked`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import CodeType, FunctionType

from ._codes import COMPREHENSIONS, BreakpointConfig, is_function, own_lines
from ._hooks import inject_hooks


class CodePatches:
    def __init__(self, line_hook: Callable[[int], None], entry_hook: Callable[[int], None]) -> None:
        self._line_hook = line_hook
        self._entry_hook = entry_hook
        self.cache: dict[int, tuple[CodeType, CodeType]] = {}  # id(original) -> (original, patched)
        self._orig: dict[
            int, tuple[CodeType, CodeType, frozenset[int]]
        ] = {}  # id(patched) -> (p, orig, lines)
        self._funcs: dict[int, tuple[weakref.ref[FunctionType], CodeType]] = {}  # id(func) -> (ref, patched)
        # original codes that live functions were found for (held, so their ids stay theirs)
        self.seen: dict[int, CodeType] = {}

    def is_patched(self, code: CodeType) -> bool:
        """Is `code` a copy with hooks made here?"""
        entry = self._orig.get(id(code))
        return entry is not None and entry[0] is code

    def hooked(self, code: CodeType) -> tuple[CodeType, frozenset[int]]:
        """The original of `code` and the lines `code` has hooks for (none: `code` is no patched copy)."""
        entry = self._orig.get(id(code))
        return (entry[1], entry[2]) if entry is not None and entry[0] is code else (code, frozenset())

    def original(self, code: CodeType) -> CodeType:
        return self.hooked(code)[0]

    def patch_tree(
        self, code: CodeType, config: BreakpointConfig, parent: CodeType | None = None
    ) -> CodeType:
        """`code` with the hooks `config`'s breakpoints need, nested code objects included (cached)."""
        cached = self.cache.get(id(code))
        if cached is not None and cached[0] is code:
            return cached[1]
        consts: dict[int, CodeType] = {}
        for c in code.co_consts:
            if isinstance(c, CodeType):
                nc = self.patch_tree(c, config, code)
                if nc is not c:
                    consts[id(c)] = nc
        bps = config.lines_of(code)
        hook_lines = (own_lines(code) & bps) if bps else set()
        if hook_lines and parent is not None and code.co_name in COMPREHENSIONS:
            hook_lines -= own_lines(parent)  # the line stops once, in the frame that runs the comprehension
        entry = code.co_name in config.names and is_function(code)
        if hook_lines or entry:
            new = inject_hooks(code, hook_lines, entry, consts, self._line_hook, self._entry_hook)
        elif consts:
            new = code.replace(co_consts=tuple(consts.get(id(c), c) for c in code.co_consts))
        else:
            new = code
        if new is not code:
            self._orig[id(new)] = (new, code, frozenset(hook_lines))
        self.cache[id(code)] = (code, new)
        return new

    def put(self, func: FunctionType, code: CodeType) -> None:
        """Run `code` (patched, or `func`'s original) in the live function `func` from its next call."""
        if func.__code__ is not code:
            func.__code__ = code
        if self.is_patched(code):
            self._funcs[id(func)] = (weakref.ref(func), code)
        else:
            self._funcs.pop(id(func), None)

    def repatch(self, funcs: list[FunctionType], prepare: Callable[[CodeType], CodeType]) -> None:
        """Put the code `prepare` gives their original on these live functions."""
        for func in funcs:
            orig = self.original(func.__code__)
            self.seen[id(orig)] = orig
            self.put(func, prepare(orig))

    def restore(self) -> None:
        """Every live function runs its original code again; nothing patched is kept."""
        self.cache.clear()
        for ref, patched in self._funcs.values():
            func = ref()
            if func is not None and func.__code__ is patched:
                func.__code__ = self._orig[id(patched)][1]
        self._funcs.clear()
        self._orig.clear()
        self.seen.clear()
