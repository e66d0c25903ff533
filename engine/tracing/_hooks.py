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
    writer = _Writer(lines, entry, line_hook, entry_hook, _landings(bc))
    for ins in bc:
        if not isinstance(ins, Instr):
            writer.pending.append(ins)  # a label or a pseudo-instruction
        elif ins.name == "LOAD_CONST" and isinstance(ins.arg, CodeType) and id(ins.arg) in consts:
            writer.add(Instr("LOAD_CONST", consts[id(ins.arg)], location=ins.location))
        else:
            writer.add(ins)
    bc.clear()
    bc.extend(writer.finish())
    return with_room(bc.to_code())  # to_code() computes the stack size afresh: give the room back


class _Writer:
    """The patched instructions, written one instruction at a time, with the hooks in front where they go."""

    def __init__(
        self,
        lines: set[int],
        entry: bool,
        line_hook: Callable[[int], None],
        entry_hook: Callable[[int], None],
        landing: set[int],
    ) -> None:
        self.lines = lines
        self.line_hook = line_hook
        self.entry_hook = entry_hook
        self.landing = landing  # ids of the labels that start a "line" when jumped to
        self.out: list[Any] = []
        self.pending: list[Any] = []  # labels and pseudo-instructions since the last instruction
        self.started = False  # past the prologue (RESUME)
        self.prev_line: int | None = None
        self.prev_term = False
        self.prev_name = ""
        self.entry_done = not entry

    def add(self, ins: Instr) -> None:
        line = ins.lineno
        if self._hookable(ins) and isinstance(line, int):
            if not self.entry_done:  # before any label: once per call, not per loop iteration
                self._entry(line)
            if line in self.lines:
                self._line(line)
        self.out.extend(self.pending)
        self.pending = []
        if line is not None:
            self.prev_line = line
        if ins.name == "RESUME" and not self.started:
            self.started = True
            self.prev_line = None  # the first line after the prologue always reports (as a new frame does)
        self.prev_term = ins.name in _TERMINATORS
        self.prev_name = ins.name
        self.out.append(ins)

    def finish(self) -> list[Any]:
        self.out.extend(self.pending)
        return self.out

    def _hookable(self, ins: Instr) -> bool:
        return (
            self.started
            and ins.lineno is not None
            and ins.name not in _NO_HOOK
            and not (ins.name == "PRECALL" and self.prev_name == "KW_NAMES")
        )

    def _entry(self, line: int) -> None:
        # On no line: a trace function's 'line' event for the first line (a step's) then comes after it, with the
        # function breakpoint pending, rather than before it (which stopped twice).
        self.out.extend(_call(self.entry_hook, line, None))
        self.entry_done = True
        self.lines = self.lines | {line}

    def _line(self, line: int) -> None:
        falls_in = not self.prev_term and self.prev_line != line
        jumped_in = any(isinstance(p, Label) and id(p) in self.landing for p in self.pending)
        if falls_in or (jumped_in and self.prev_term):
            self.out.extend(self.pending)
            self.out.extend(_call(self.line_hook, line, line))
            self.pending = []
        elif jumped_in:  # a line starts here only when jumped to (a loop head): falling in skips it
            skip = Label()
            self.out.append(Instr("JUMP_FORWARD", skip, lineno=line))
            self.out.extend(self.pending)
            self.out.extend(_call(self.line_hook, line, line))
            self.out.append(skip)
            self.pending = []


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
