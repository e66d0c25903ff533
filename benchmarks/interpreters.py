"""Which interpreters the benchmarks run: found as .ci/run finds them, never hard-coded.

For each version, pyenv's `~/.pyenv/versions/X.Y*/bin/python` (or `$PYENV_ROOT`), then `pythonX.Y` on PATH. A
version this machine lacks is left out of `INTERPRETERS`, so the tables show what could be measured.
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

VERSIONS = ("3.11", "3.12", "3.13")


def find_python(version: str) -> str | None:
    """The base interpreter of `version` ("3.12"), or None when this machine has none."""
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found = [p for p in sorted(glob.glob(f"{root}/versions/{version}*/bin/python")) if Path(p).is_file()]
    return found[0] if found else shutil.which(f"python{version}")


INTERPRETERS: dict[str, str] = {v: p for v in VERSIONS if (p := find_python(v))}
