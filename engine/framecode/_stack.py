"""Value-stack depth at every instruction of a code object, from its bytecode.

The compiler knows the depth at each instruction but does not keep it; ``dis.stack_effect`` gives each
instruction's effect, so one walk over the control-flow graph (jumps, fall-through and the exception table's
handlers) recovers it. A frame may only move between two instructions whose depths agree.
"""

from __future__ import annotations

import dis
from dataclasses import dataclass
from types import CodeType

JUMPS = frozenset(getattr(dis, "hasjump", ())) | frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
NO_FALL_THROUGH = frozenset(
    dis.opmap[name]
    for name in (
        "RETURN_VALUE",
        "RETURN_CONST",
        "RAISE_VARARGS",
        "RERAISE",
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
    )
    if name in dis.opmap
)


class StackShapeError(Exception):
    """The bytecode could not be analysed (two paths reach an instruction with different depths)."""


@dataclass(frozen=True)
class Instruction:
    offset: int
    opname: str
    line: int | None
    depth: int  # value-stack depth before it runs


def _target(ins: dis.Instruction) -> int:
    target = getattr(ins, "jump_target", None)
    return int(target if target is not None else ins.argval)


def _effect(ins: dis.Instruction, jump: bool | None) -> int:
    arg = ins.arg if ins.opcode >= dis.HAVE_ARGUMENT else None
    return dis.stack_effect(ins.opcode, arg, jump=jump)


def analyse(code: CodeType) -> dict[int, Instruction]:
    """offset -> the instruction there, with its depth; instructions no path reaches are left out."""
    instrs = [i for i in dis.get_instructions(code) if i.opname != "CACHE"]
    index = {ins.offset: n for n, ins in enumerate(instrs)}
    depth: dict[int, int] = {}
    work: list[tuple[int, int]] = [(0, 0)]
    for entry in dis._parse_exception_table(code):  # type: ignore[attr-defined]
        work.append((entry.target, entry.depth + int(entry.lasti) + 1))

    def reach(offset: int, d: int) -> None:
        seen = depth.get(offset)
        if seen is None:
            depth[offset] = d
            work.append((offset, d))
        elif seen != d:
            raise StackShapeError(f"offset {offset} reached with depth {seen} and {d}")

    pending = list(work)
    work.clear()
    for offset, d in pending:
        reach(offset, d)
    while work:
        offset, d = work.pop()
        n = index.get(offset)
        if n is None:
            raise StackShapeError(f"no instruction at offset {offset}")
        ins = instrs[n]
        if d < 0:
            raise StackShapeError(f"negative depth at offset {offset}")
        if ins.opcode in JUMPS:
            reach(_target(ins), d + _effect(ins, True))
            if ins.opcode not in NO_FALL_THROUGH and n + 1 < len(instrs):
                reach(instrs[n + 1].offset, d + _effect(ins, False))
        elif ins.opcode not in NO_FALL_THROUGH and n + 1 < len(instrs):
            reach(instrs[n + 1].offset, d + _effect(ins, None))
    out: dict[int, Instruction] = {}
    for ins in instrs:
        if ins.offset in depth:
            out[ins.offset] = Instruction(ins.offset, ins.opname, _line_of(ins), depth[ins.offset])
    return out


def _line_of(ins: dis.Instruction) -> int | None:
    number = getattr(ins, "line_number", None)  # 3.13
    if number is not None:
        return int(number)
    positions = ins.positions
    return positions.lineno if positions is not None else None


def max_depth(code: CodeType) -> int:
    """The deepest value stack the code can reach (its ``co_stacksize`` without any room added to it)."""
    return max((ins.depth for ins in analyse(code).values()), default=0) + 1
