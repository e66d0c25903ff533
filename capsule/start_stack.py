"""Where a capsule that does not start is stuck: a tool module whose import never returns is named with the
line it hangs on.

The host has ``faulthandler`` write its threads' stacks to a file beside its status file on ``STACK_SIGNAL``
(from the C level: a module stuck in a C call or a busy loop dumps too). When the handshake times out, the
manager sends the signal, reads the dump and names the innermost frame in the project's own files.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import re
import signal
from pathlib import Path
from typing import IO

STACK_SIGNAL = signal.SIGUSR1
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>.+)$', re.MULTILINE)
_held: list[IO[str]] = []  # the dump file stays open as long as the process


def stack_file(status_file: Path) -> Path:
    return status_file.with_name(status_file.name.removesuffix(".status.json") + ".stack.txt")


def dump_stacks_on_signal(status_file: Path) -> None:
    """In the host: from now on `STACK_SIGNAL` writes every thread's stack to `stack_file(status_file)`."""
    out = open(stack_file(status_file), "w")  # noqa: SIM115  # held open for faulthandler
    _held.append(out)
    faulthandler.register(STACK_SIGNAL, file=out, all_threads=True)


async def where_stuck(pid: int, status_file: Path, root: Path, wait: float = 1.0) -> str:
    """In the manager, before it kills a capsule that did not answer: `file:line (in function)` of the
    innermost frame in a file under `root` (the project) that the capsule runs, or "" if it cannot tell."""
    path = stack_file(status_file)
    try:
        os.kill(pid, STACK_SIGNAL)
    except OSError:
        return ""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    text = ""
    while loop.time() < deadline:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            text = ""
        if "most recent call first" in text and _FRAME.search(text):
            await asyncio.sleep(0.05)  # the rest of the dump
            text = path.read_text(errors="replace")
            break
        await asyncio.sleep(0.05)
    return _innermost_in(text, root)


def _innermost_in(dump: str, root: Path) -> str:
    """The first frame in a file under `root` (each thread's stack is written innermost call first; the tools
    are imported on the main thread, the only one then running project code)."""
    roots = {root, root.resolve()}
    for m in _FRAME.finditer(dump):
        file = Path(m["file"])
        for r in roots:
            if file.is_relative_to(r):
                return f"{file.relative_to(r)}:{m['line']} (in {m['func'].strip()})"
    return ""
