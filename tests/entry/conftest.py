"""The entry tests' terminal: a tmux window of the test's own, where `start(...)` runs a shell command line
(`python prog.py`, `python -m pytest --dapper ...`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tmuxterm import Terminal


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    t = Terminal(tmp_path, name="entry")
    yield t
    t.close()
