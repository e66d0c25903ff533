"""3.11: a copy of the new code with a landing pad in front of the statement the frame continues at.

After a ``sys.settrace`` line event the 3.11 eval loop keeps the old code's constants and names in C locals
until the frame's next call returns, and after the breakpoint hook's call the hook's result is pushed on the
frame's stack. The pad serves both: normal flow jumps over it; a moved frame enters it, calls ``_landed`` (a
Python function, so its return reloads everything from the frame, now the new code), drops the result and
falls into the statement. The pad only loads a hidden local, never a constant or a name, so nothing in it
depends on the cached values.

    JUMP_FORWARD skip            <- normal flow
    PUSH_NULL                    <- after a trace event, the frame runs from here
    LOAD_FAST  .dapper_landing
    PRECALL 0
    CALL 0                       <- after the breakpoint hook returns, the frame runs from the next line
    POP_TOP
  skip:
    <the statement>
"""

from __future__ import annotations

import dis
from dataclasses import dataclass
from types import CodeType

PAD_LOCAL = ".dapper_landing"


def landed() -> None:
    """Called once by a moved frame's landing pad."""
    return None


@dataclass(frozen=True)
class Pad:
    code: CodeType
    enter: int  # byte offset of PUSH_NULL: where a frame stopped by a trace function continues
    land: int  # byte offset of POP_TOP: where a frame that returns from the hook continues


def with_pad(code: CodeType, target: int) -> CodeType:
    """``code`` with the landing pad in front of the instruction at byte offset ``target``."""
    from bytecode import Bytecode, Instr, Label

    index = [i.offset for i in dis.get_instructions(code) if i.opname not in ("CACHE", "EXTENDED_ARG")]
    nth = index.index(target)
    bc = Bytecode.from_code(code)
    k = [n for n, item in enumerate(bc) if isinstance(item, Instr)][nth]
    line = bc[k].lineno
    skip = Label()
    pad = [
        Instr("JUMP_FORWARD", skip, lineno=line),
        Instr("PUSH_NULL", lineno=line),
        Instr("LOAD_FAST", PAD_LOCAL, lineno=line),
        Instr("PRECALL", 0, lineno=line),
        Instr("CALL", 0, lineno=line),
        Instr("POP_TOP", lineno=line),
        skip,
    ]
    bc[k:k] = pad
    padded: CodeType = bc.to_code()
    return padded


def find(code: CodeType) -> Pad:
    """Where the pad of ``code`` (made by ``with_pad``, perhaps given breakpoint hooks since) is."""
    instrs = [i for i in dis.get_instructions(code) if i.opname not in ("CACHE", "EXTENDED_ARG")]
    for n, ins in enumerate(instrs):
        if ins.opname == "LOAD_FAST" and ins.argval == PAD_LOCAL:
            return Pad(code, instrs[n - 1].offset, instrs[n + 3].offset)
    raise ValueError("the code has no landing pad")
