"""Planning a frame move: where the frame continues, with which locals, and every check that must pass first.

``plan_move`` (continue at the matching statement of new code) and ``plan_restart`` (run the function again
from its first line) return a ``Plan``; nothing is written until ``Plan.apply()``. A plan that cannot be made
is a ``Refused`` with a sentence a user can act on.
"""

from __future__ import annotations

import bisect
import dis
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CellType, CodeType, FrameType
from typing import Any, Literal

from . import _pad311
from ._memory import NULL, FrameMemory, LayoutError, slot_names, unsupported
from ._shape import Shape, shape_of
from ._stack import Instruction, StackShapeError, analyse, max_depth
from ._unbound import empty_reads

Via = Literal["line", "hook"]  # a line event's callback (any version) / the 3.11 breakpoint hook's call
_PY311 = sys.version_info[:2] == (3, 11)
_GENERATOR = (
    inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE
)
_LOOP_HEAD = frozenset({"FOR_ITER", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT"})
_SAME_FLAGS = inspect.CO_OPTIMIZED | inspect.CO_NEWLOCALS | inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


class Refused(Exception):
    """The frame cannot move; the message says why, in words a user understands."""


@dataclass
class Plan:
    frame: FrameType
    memory: FrameMemory
    code: CodeType
    slots: list[Any]
    pointer: int
    line: int
    old_line: int
    warnings: list[str] = field(default_factory=list)

    def apply(self) -> None:
        self.memory.rewrite(self.code, self.slots, self.pointer, self.line)
        _refresh_locals(self.frame)


def _refresh_locals(frame: FrameType) -> None:
    """3.11/3.12: the frame's ``f_locals`` snapshot dict still has the old names; a trace function's return
    writes it back into the fast locals, so it must describe the new ones."""
    if sys.version_info >= (3, 13) or not frame.f_code.co_flags & inspect.CO_OPTIMIZED:
        return
    names = set(slot_names(frame.f_code))
    snapshot = frame.f_locals  # re-read from the fast locals (PyFrame_FastToLocals)
    for name in [n for n in snapshot if n not in names]:
        del snapshot[name]


@dataclass(frozen=True)
class _Position:
    ins: Instruction
    depth: int


def _memory(frame: FrameType) -> FrameMemory:
    reason = unsupported()
    if reason is not None:
        raise Refused(reason)
    if frame.f_code.co_flags & _GENERATOR:
        raise Refused("it is a generator or coroutine, whose frame lives in the generator object")
    try:
        return FrameMemory(frame)
    except LayoutError as exc:
        raise Refused(f"its interpreter frame could not be read safely ({exc})") from None


def _analyse(code: CodeType, what: str) -> dict[int, Instruction]:
    try:
        return analyse(code)
    except (StackShapeError, ValueError) as exc:
        raise Refused(f"the {what} code could not be analysed ({exc})") from None


def _where(memory: FrameMemory, via: Via) -> _Position:
    """The instruction the stopped frame runs next, and its value-stack depth."""
    code = memory.frame.f_code
    instrs = _analyse(code, "running")
    at = memory.instr_offset()
    depth = memory.stack_depth()
    if via == "hook":  # prev_instr is the hook's CALL (its last cache entry); next come POP_TOP and the line
        after = [i for i in dis.get_instructions(code) if i.offset > at and i.opname != "CACHE"]
        if len(after) < 2 or after[0].opname != "POP_TOP" or after[1].offset not in instrs:
            raise Refused("it is not stopped at a breakpoint hook")
        ins = instrs[after[1].offset]
    else:
        found = instrs.get(at)
        if found is None:
            raise Refused("it is not stopped at the start of an instruction")
        ins = found
    if ins.depth != depth:
        raise Refused(
            f"it is stopped in the middle of an expression on line {ins.line} "
            f"({depth} value(s) in flight, {ins.depth} expected)"
        )
    return _Position(ins, depth)


def _is_line_start(instrs: dict[int, Instruction], offset: int) -> bool:
    offsets = sorted(instrs)
    k = offsets.index(offset)
    return k == 0 or instrs[offsets[k - 1]].line != instrs[offset].line


def _target(new: dict[int, Instruction], line: int, old: _Position, after: int) -> Instruction | None:
    """The instruction of ``line`` in the new code that matches the old position (same depth; a loop head
    for a loop head)."""
    loop = old.ins.opname in _LOOP_HEAD
    for offset in sorted(new):
        ins = new[offset]
        if offset <= after or ins.line != line or ins.depth != old.depth:
            continue
        if loop and ins.opname == old.ins.opname:
            return ins
        if not loop and _is_line_start(new, offset):
            return ins
    return None


def _prologue_end(instrs: dict[int, Instruction]) -> int:
    resumes = [o for o, i in instrs.items() if i.opname == "RESUME"]
    return min(resumes) if resumes else -1


def _new_line(old_text: str, new_text: str, old_line: int, old_shape: Shape, new_shape: Shape) -> int:
    """The new line the frame continues at: the statement matching the one it is stopped at.

    An unchanged line maps to itself. A stop inside an edited block continues at the same offset when the
    block kept its number of lines, and at the first statement of the new block when the stop was the block's
    first statement (nothing of it ran yet); otherwise statements of the block already ran, and which new ones
    correspond to them cannot be told: refused. A deleted stop line continues at the next statement.
    """
    from dapper_tui.engine.hotreload import matched_lines

    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    pairs = matched_lines(old_lines, new_lines)
    s = old_line - 1
    to_new = dict(pairs)
    if s in to_new:
        return _statement_from(to_new[s] + 1, new_shape, len(new_lines))
    k = bisect.bisect_left([i for i, _ in pairs], s)
    prev_old, prev_new = pairs[k - 1] if k > 0 else (-1, -1)
    next_old, next_new = pairs[k] if k < len(pairs) else (len(old_lines), len(new_lines))
    old_size, new_size = next_old - prev_old - 1, next_new - prev_new - 1
    if new_size == 0 or old_size == new_size:
        return _statement_from(
            prev_new + 1 + (s - prev_old - 1 if new_size else 0) + 1, new_shape, len(new_lines)
        )
    ran = [line for line in range(prev_old + 2, old_line) if old_shape.starts(line)]
    if ran:
        raise Refused(
            f"line {old_line} is in an edited block whose lines {ran[0]}-{ran[-1]} already ran: "
            "which new statements match them cannot be told"
        )
    return _statement_from(prev_new + 2, new_shape, len(new_lines))


def _statement_from(line: int, shape: Shape, last: int) -> int:
    """The first line from ``line`` on where a statement starts (skipping blank and comment lines)."""
    for candidate in range(line, last + 1):
        if shape.starts(candidate):
            return candidate
    raise Refused("no statement follows it in the new code")


def _slots(memory: FrameMemory, new_code: CodeType, restart: bool) -> tuple[list[Any], list[str]]:
    """The new code's locals, cells and free variables, filled by name from the frame's."""
    old_code = memory.frame.f_code
    old_names = slot_names(old_code)
    values = dict(zip(old_names, memory.read(len(old_names)), strict=True))
    old_cells = set(old_code.co_cellvars)
    old_frees = set(old_code.co_freevars)
    new_names = slot_names(new_code)
    frees = set(new_code.co_freevars)
    cells = set(new_code.co_cellvars)
    params = set(new_names[: _param_count(new_code)])
    out: list[Any] = []
    warnings: list[str] = []
    for name in new_names:
        value = values.get(name, NULL)
        if name in frees:
            if name not in old_frees or value is NULL:
                raise Refused(
                    f"the new code uses the outer variable {name!r}, which this frame was not given"
                )
            out.append(value)
            continue
        if name in old_cells and value is not NULL:  # unwrap: the cell's content is the value
            value = value.cell_contents if _filled(value) else NULL
        if restart and name not in params:
            value = NULL
        if name in cells:
            value = CellType() if value is NULL else CellType(value)
        out.append(value)
    return out, warnings


def _filled(cell: CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def _param_count(code: CodeType) -> int:
    n = code.co_argcount + code.co_kwonlyargcount
    n += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return n


def _check_code(old: CodeType, new: CodeType) -> None:
    if new.co_flags & _GENERATOR:
        raise Refused("the new version of the function is a generator or coroutine")
    if (old.co_flags ^ new.co_flags) & _SAME_FLAGS:
        raise Refused("the function's kind of parameters (*args, **kwargs) or scope changed")
    if set(new.co_freevars) - set(old.co_freevars):
        extra = ", ".join(sorted(set(new.co_freevars) - set(old.co_freevars)))
        raise Refused(f"the new code uses outer variables this frame was not given ({extra})")


def _capacity(memory: FrameMemory, capacity: int | None) -> int:
    if capacity is not None:
        return capacity
    code = memory.frame.f_code
    return len(slot_names(code)) + code.co_stacksize


def _finish(
    memory: FrameMemory,
    code: CodeType,
    target: Instruction,
    via: Via,
    line: int,
    old_line: int,
    slots: list[Any],
    stack: list[Any],
    capacity: int | None,
    prepare: Callable[[CodeType], CodeType] | None,
) -> Plan:
    if _PY311:
        code = _pad311.with_pad(code, target.offset)
        if prepare is not None:
            code = prepare(code)
        pad = _pad311.find(code)
        pointer = pad.enter if via == "line" else pad.land - 2
        slots = _with_pad_slot(code, slots)
    else:
        pointer = target.offset
    need = len(slot_names(code)) + max_depth(code)
    room = _capacity(memory, capacity)
    if need > room:
        raise Refused(
            f"the new code needs a bigger frame ({need} slots for locals and stack; this frame has {room})"
        )
    return Plan(memory.frame, memory, code, [*slots, *stack], pointer, line, old_line)


def _with_pad_slot(code: CodeType, slots: list[Any]) -> list[Any]:
    """The 3.11 pad adds one hidden local; bytecode puts it after the other plain locals."""
    names = slot_names(code)
    k = names.index(_pad311.PAD_LOCAL)
    return [*slots[:k], _pad311.landed, *slots[k:]]


def plan_move(
    frame: FrameType,
    new_code: CodeType,
    old_text: str,
    new_text: str,
    via: Via,
    *,
    capacity: int | None = None,
    prepare: Callable[[CodeType], CodeType] | None = None,
) -> Plan:
    """Continue ``frame`` in ``new_code`` (compiled from ``new_text``) at the statement matching the one it is
    stopped at in ``old_text``. ``prepare`` (3.11) gives the copy with the pad its breakpoint hooks."""
    memory = _memory(frame)
    _check_code(frame.f_code, new_code)
    position = _where(memory, via)
    old_line = position.ins.line
    if old_line is None:
        raise Refused("its position has no line number")
    old_shape, new_shape = shape_of(old_text), shape_of(new_text)
    if not old_shape.starts(old_line):
        raise Refused(f"line {old_line} is inside a statement that spans several lines")
    line = _new_line(old_text, new_text, old_line, old_shape, new_shape)
    loop_head = position.ins.opname in _LOOP_HEAD and old_shape.headers.get(
        old_line
    ) != new_shape.headers.get(line)
    if position.depth and (loop_head or old_shape.blocks.get(old_line) != new_shape.blocks.get(line)):
        raise Refused(
            f"line {old_line} is inside a loop, `with` or `except` block that the edit changed "
            "(its header or its nesting), so the values the block holds cannot be carried over"
        )
    new = _analyse(new_code, "new")
    target = _target(new, line, position, _prologue_end(new))
    if target is None:
        raise Refused(f"new line {line} does not start a statement at the same block depth")
    names = slot_names(frame.f_code)
    stack = memory.read(len(names) + position.depth)[len(names) :]
    slots, warnings = _slots(memory, new_code, restart=False)
    names_new = slot_names(new_code)
    empty = {name for name, value in zip(names_new, slots, strict=True) if value is NULL}
    unbound = empty_reads(new_code, target.offset, empty)
    if unbound:
        listed = ", ".join(sorted(unbound))
        raise Refused(
            f"the new code reads {listed} after line {line}, but assigns it only before that line, "
            "so in this frame it would have no value: restart the frame to run the new code from the top"
        )
    plan = _finish(memory, new_code, target, via, line, old_line, slots, stack, capacity, prepare)
    plan.warnings.extend(warnings)
    return plan


def plan_restart(
    frame: FrameType,
    code: CodeType,
    text: str,
    via: Via,
    *,
    capacity: int | None = None,
    prepare: Callable[[CodeType], CodeType] | None = None,
) -> Plan:
    """Run ``frame``'s function again from its first line in ``code``, with its parameters' current values."""
    memory = _memory(frame)
    if not code.co_flags & inspect.CO_OPTIMIZED:
        raise Refused("only a function's frame can be restarted, not a module or class body")
    _check_code(frame.f_code, code)
    position = _where(memory, via)
    blocks = shape_of(text).blocks.get(position.ins.line or 0, ()) if position.depth else ()
    held = [kind for kind, _ in blocks if kind != "for"]
    if held:
        raise Refused(
            f"it is inside a `{held[-1]}` block whose exit would be skipped; step out of the block first"
        )
    new = _analyse(code, "current")
    start = _prologue_end(new)
    first = next((new[o] for o in sorted(new) if o > start and new[o].line is not None), None)
    if first is None or first.line is None:
        raise Refused("the function has no first line to restart at")
    old_line = position.ins.line or first.line
    slots, _ = _slots(memory, code, restart=True)
    return _finish(memory, code, first, via, first.line, old_line, slots, [], capacity, prepare)
