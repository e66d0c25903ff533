from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ptyterm import Terminal


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[object]:
    started: list[Terminal] = []

    def start(*args: str) -> Terminal:
        t = Terminal(list(args), tmp_path, tmp_path / "state")
        started.append(t)
        return t

    yield start
    for t in started:
        if t.proc.poll() is None:
            t.proc.kill()
            t.proc.wait()
