"""The end-to-end tests' terminal: the installed `dapper-tui` command in a tmux window of the test's own."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmuxterm import COMMAND, Terminal

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    """A terminal whose `start(...)` runs `dapper-tui ...` in `tmp_path` (skipped when the command is not
    installed next to this interpreter)."""
    if not COMMAND.exists():
        pytest.skip(f"the dapper-tui command is not installed next to {sys.executable}")
    t = Terminal(tmp_path, [str(COMMAND)], "dapper-e2e")
    yield t
    t.close()


@pytest.fixture
def shop_demo(tmp_path: Path) -> Path:
    """The examples' shop demo (shop_demo.py and its package shop/) in the test's folder; the program's path."""
    shutil.copy(EXAMPLES / "shop_demo.py", tmp_path / "shop_demo.py")
    shutil.copytree(EXAMPLES / "shop", tmp_path / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "shop_demo.py"
