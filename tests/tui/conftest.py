"""Pilot tests drive the real app over a real DebugSession running a real program (never a mocked engine)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tuihelpers import EXAMPLES


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Persisted state goes to a temporary folder; modules the program imported are forgotten afterwards."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        file = getattr(sys.modules.get(name), "__file__", "") or ""
        if file.startswith((str(tmp_path), str(EXAMPLES))):
            del sys.modules[name]
