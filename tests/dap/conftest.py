from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dapclient import DapClient


@pytest.fixture
def dap() -> Iterator[DapClient]:
    client = DapClient.stdio()
    yield client
    code = client.close()
    assert code == 0, f"server exit code {code}; stderr:\n{client.stderr()}"
