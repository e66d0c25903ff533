from __future__ import annotations

from collections.abc import Iterator

import pytest
from dapclient import DapClient


@pytest.fixture
def dap() -> Iterator[DapClient]:
    client = DapClient.stdio()
    yield client
    code = client.close()
    assert code == 0, f"server exit code {code}; stderr:\n{client.stderr()}"
