"""``data/logs/capsule.log``, rotated by size: ``capsule.log.1`` is the newest old one, ``.N`` the oldest kept.

A write that would take the file past ``max_bytes`` first moves it aside (``capsule.log`` to ``.1``, ``.1`` to
``.2``, ... dropping the one past ``keep``). A single write larger than the cap is still written whole, so the
current file can exceed the cap by at most one write (the capsule's stderr pump writes at most 256 KiB at once).
"""

from __future__ import annotations

import os
from pathlib import Path


class RotatingLog:
    def __init__(self, path: Path, max_bytes: int, keep: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.keep = keep
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115
        self._size = self._file.tell()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def _rotate(self) -> None:
        self._file.close()
        for index in range(self.keep, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            newer = self.path.with_name(f"{self.path.name}.{index - 1}") if index > 1 else self.path
            if newer.exists():
                os.replace(newer, older)
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115
        self._size = 0

    def write(self, data: bytes) -> None:
        if self._file.closed:
            return
        if self._size and self._size + len(data) > self.max_bytes:
            self._rotate()
        self._file.write(data)
        self._size += len(data)

    def close(self) -> None:
        self._file.close()
