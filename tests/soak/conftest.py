"""The soak tests reuse the engine tests' Driver: a real DebugSession on a real program, its events in order."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def driver_class() -> Any:
    path = Path(__file__).resolve().parent.parent / "engine" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_soak_engine_driver", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Driver


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    d = driver_class()(tmp_path)
    yield d
    d.session.close()
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]
