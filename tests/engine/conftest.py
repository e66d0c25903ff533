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


PRICES = """\
import pricing

for n in range(4):
    print("price", pricing.price(n))  # loop
"""
PRICING = """\
def price(n):
    total = n * 10  # body
    return total
"""


@pytest.fixture
def pricing_program(driver: Driver) -> tuple[Path, Path]:
    """prog.py prints pricing.price(n) for n from 0 to 3 (the line marked `# loop`); pricing.py's price has a
    line marked `# body`."""
    return driver.write("prog.py", PRICES), driver.write("pricing.py", PRICING)
