"""Helpers the test folders share: write a program file (or copy one of tests/programs/), find a line by its
marker, wait for a condition (in a plain test, or in a Textual pilot test without blocking the app).

Imported one way, `from helpers import edit, line_of, pilot_until, program, wait_until, write` (tests/ is on
sys.path: pytest puts the folder of the top-level conftest.py there). The other shared modules there: `dapclient`
(a DAP client), `tmuxterm` (a terminal in tmux); programs more than one folder runs are in tests/programs/.
"""

from __future__ import annotations

import shutil
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Programs more than one test folder runs, each a file of its own.
PROGRAMS = Path(__file__).parent / "programs"


def write(folder: Path, name: str, source: str) -> Path:
    """`source`, dedented, as the file `folder/name` (its folders made); the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def program(folder: Path, name: str) -> Path:
    """tests/programs/`name` copied into `folder`; the copy's path."""
    return Path(shutil.copy(PROGRAMS / name, folder / name))


def line_of(path: Path, marker: str) -> int:
    """The number of the first line of `path` that contains `marker` (a comment such as `# stop`)."""
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


def edit(path: Path, old: str, new: str) -> Path:
    """Save `path` with `old` (which must be in it) replaced by `new`, as an editor would."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))
    return path


def wait_until(
    check: Callable[[], T],
    timeout: float = 10.0,
    what: str | Callable[[], object] = "the condition",
    interval: float = 0.02,
) -> T:
    """Call `check` until it returns something true, and return that; past `timeout` seconds, fail with `what`
    (a callable is called then, for a message that shows the state at the end)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            message = what() if callable(what) else what
            raise AssertionError(f"not within {timeout} s: {message}")
        time.sleep(interval)


async def pilot_until(
    pilot: Any, check: Callable[[], object], timeout: float = 20.0, what: str = "the condition"
) -> None:
    """`wait_until` in a Textual pilot test: pause the pilot (the app runs meanwhile) until `check()` is true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await pilot.pause(0.05)
