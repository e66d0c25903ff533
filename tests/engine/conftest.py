"""The engine tests drive a real DebugSession on a real program (tests/sessiondriver.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sessiondriver import Driver, driving


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    with driving(tmp_path) as d:
        yield d
