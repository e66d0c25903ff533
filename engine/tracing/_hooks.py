"""Breakpoint hooks written into 3.11 bytecode: where a line's 'line' event would come, a call to a hook.

The bytecode backend (`bytecode.py`) decides which code objects and lines get hooks; this module only rewrites one
code object (with the `bytecode` library) so that its hooks run exactly where CPython would report the line.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType
from typing import Any

from bytecode import Bytecode, Instr, Label, TryBegin

from ..framecode.room import with_room

# Instructions a hook may not be put in front of: the frame prologue, and CALL (after its PRECALL; a PRECALL right
# after KW_NAMES is kept too: the hook's own call would take the pending keyword names).
_NO_HOOK = frozenset({"RESUME", "CALL", "CACHE", "COPY_FREE_VARS", "MAKE_CELL", "RETURN_GENERATOR"})
_TERMINATORS = frozenset(
    {
        "RETURN_VALUE",
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
        "RAISE_VARARGS",
        "RERAISE",
    }
)


def inject_hooks(
    code: CodeType,
    lines: set[int],
    entry: bool,
    consts: dict[int, CodeType],
    line_hook: Callable[[int], None],
    entry_hook: Callable[[int], None],
) -> CodeType:
    """`code` with a call to `line_hook(line)` in front of each of `lines` where a 'line' event would come
    (and `entry_hook` once per call when `entry`); nested code objects in `consts` (by id) are swapped in."""
    bc = Bytecode.from_code(code)
    landing = _landings(bc)
    out: list[Any] = []
    started = False  # past the prologue (RESUME)
    prev_line: int | None = None
    prev_term = False
    prev_name = ""
    pending: list[Any] = []  # labels and pseudo-instructions since the last instruction
    entry_done = not entry
    for ins in bc:
        if not isinstance(ins, Instr):
            pending.append(ins)
            continue
        if ins.name == "LOAD_CONST" and isinstance(ins.arg, CodeType) and id(ins.arg) in consts:
            ins = Instr("LOAD_CONST", consts[id(ins.arg)], location=ins.location)
        line = ins.lineno
        hookable = (
            started
            and line is not None
            and ins.name not in _NO_HOOK
            and not (ins.name == "PRECALL" and prev_name == "KW_NAMES")
        )
        if hookable and not entry_done:  # before any label: once per call, not per loop iteration
            # On no line: a trace function's 'line' event for the first line (a step's) then comes after
            # it, with the function breakpoint pending, rather than before it (which stopped twice).
            out.extend(_call(entry_hook, line, None))
            entry_done = True
            lines = lines | {line}
        if hookable and line in lines:
            falls_in = not prev_term and prev_line != line
            jumped_in = any(isinstance(p, Label) and id(p) in landing for p in pending)
            if falls_in or (jumped_in and prev_term):
                out.extend(pending)
                out.extend(_call(line_hook, line, line))
                pending = []
            elif jumped_in:  # a line starts here only when jumped to (a loop head): falling in skips it
                skip = Label()
                out.append(Instr("JUMP_FORWARD", skip, lineno=line))
                out.extend(pending)
                out.extend(_call(line_hook, line, line))
                out.append(skip)
                pending = []
        out.extend(pending)
        pending = []
        if line is not None:
            prev_line = line
        if ins.name == "RESUME" and not started:
            started = True
            prev_line = None  # the first line after the prologue always reports (as a new frame does)
        prev_term = ins.name in _TERMINATORS
        prev_name = ins.name
        out.append(ins)
    out.extend(pending)
    bc.clear()
    bc.extend(out)
    return with_room(bc.to_code())  # to_code() computes the stack size afresh: give the room back


def _landings(bc: Bytecode) -> set[int]:
    """ids of the labels that start a "line" when jumped to."""
    # Where jumps land: a line hook goes in front of the first instruction of a line, and in front of a
    # jump target whose jump comes from another line or from later in the code (a loop), like 'line' events.
    position: dict[int, int] = {}  # id(label) -> its index
    target_line: dict[int, int | None] = {}  # id(label) -> the line of the instruction it labels
    waiting: list[Label] = []
    for i, ins in enumerate(bc):
        if isinstance(ins, Label):
            position[id(ins)] = i
            waiting.append(ins)
        elif isinstance(ins, Instr):
            for lb in waiting:
                target_line[id(lb)] = ins.lineno
            waiting = []
    landing: set[int] = set()  # ids of labels that start a "line" when jumped to
    for i, ins in enumerate(bc):
        if isinstance(ins, TryBegin):
            landing.add(id(ins.target))
        elif isinstance(ins, Instr) and isinstance(ins.arg, Label):
            key = id(ins.arg)
            if position.get(key, -1) < i or ins.lineno != target_line.get(key):
                landing.add(key)
    return landing


def _call(hook: Callable[[int], None], arg: int, line: int | None) -> list[Instr]:
    return [
        Instr("PUSH_NULL", lineno=line),
        Instr("LOAD_CONST", hook, lineno=line),
        Instr("LOAD_CONST", arg, lineno=line),
        Instr("PRECALL", 1, lineno=line),
        Instr("CALL", 1, lineno=line),
        Instr("POP_TOP", lineno=line),
    ]
