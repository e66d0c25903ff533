"""The chaos tests reuse the capsule tests' helpers (real projects, real subprocesses)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "capsule"))

from capsule_helpers import bytecode_on

__all__ = ["bytecode_on"]
