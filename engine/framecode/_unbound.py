"""Which locals the new code would read while they have no value, from the statement a frame moves to.

A local that the new code assigns *above* that statement (an added ``k = 3``) is empty in the moved frame. The
compiler proved it bound wherever it reads it, so since 3.12 it reads it with ``LOAD_FAST``, which does not
check for an empty slot: reading it would crash the interpreter. (3.11 checks, and raises UnboundLocalError,
which is no better for the user.) So a forward data-flow walk from the target over the control-flow graph,
exception handlers included, finds every read of a possibly empty local; any such read refuses the move.
"""

from __future__ import annotations

import dis
from types import CodeType

from ._stack import JUMPS, NO_FALL_THROUGH

# LOAD_FAST_AND_CLEAR saves a local around an inlined comprehension and puts it back after: an empty one would
# come back empty where the compiler expects it bound, so it counts as a read too.
_READS = frozenset({"LOAD_FAST", "LOAD_FAST_LOAD_FAST", "LOAD_CLOSURE", "LOAD_FAST_AND_CLEAR"})
_STORES = frozenset({"STORE_FAST", "STORE_FAST_STORE_FAST"})


def _names(ins: dis.Instruction) -> tuple[str, ...]:
    value = ins.argval
    if isinstance(value, tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def empty_reads(code: CodeType, start: int, empty: set[str]) -> set[str]:
    """Names in ``empty`` that ``code`` may read unchecked, running from byte offset ``start``."""
    if not empty:
        return set()
    instrs = [i for i in dis.get_instructions(code) if i.opname not in ("CACHE", "EXTENDED_ARG")]
    index = {ins.offset: n for n, ins in enumerate(instrs)}
    handlers = [
        (e.start, e.end, e.target)
        for e in dis._parse_exception_table(code)  # type: ignore[attr-defined]
    ]
    state: dict[int, frozenset[str]] = {}
    found: set[str] = set()
    work = [(start, frozenset(empty))]
    while work:
        offset, maybe = work.pop()
        seen = state.get(offset)
        if seen is not None and maybe <= seen:
            continue
        maybe = maybe | seen if seen is not None else maybe
        state[offset] = maybe
        n = index.get(offset)
        if n is None:
            continue
        ins = instrs[n]
        for lo, hi, target in handlers:
            if lo <= offset < hi:
                work.append((target, maybe))
        after = maybe
        if ins.opname in _READS:
            found |= maybe & set(_names(ins))
        elif ins.opname == "STORE_FAST_LOAD_FAST":  # 3.13: store the first, read the second
            stored, read = _names(ins)
            after = maybe - {stored}
            found |= after & {read}
        elif ins.opname in _STORES:
            after = maybe - set(_names(ins))
        elif ins.opname == "DELETE_FAST":
            after = maybe | set(_names(ins))
        if ins.opcode in JUMPS:
            target = getattr(ins, "jump_target", None)
            work.append((int(target if target is not None else ins.argval), after))
        if ins.opcode not in NO_FALL_THROUGH and n + 1 < len(instrs):
            work.append((instrs[n + 1].offset, after))
    return found
