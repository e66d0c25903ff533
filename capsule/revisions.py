"""Surface revision numbers, project-wide: every process on one project numbers its surfaces from one counter.

The highest revision handed out is kept in ``data/surface-revision.json``; ``reserve`` reads it, adds one and
writes it back (atomically, by rename) while it holds ``flock(LOCK_EX)`` on ``data/surface-revision.lock``, so
two agent processes on one project never number two surfaces alike, and within a thread a revision number
always names one surface. A counter file that cannot be read counts as 0; the caller's ``floor`` (the highest
revision it knows of) keeps the numbers going up even then.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

COUNTER_FILE = "surface-revision.json"
LOCK_FILE = "surface-revision.lock"


class RevisionCounter:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / COUNTER_FILE
        self._lock_path = Path(data_dir) / LOCK_FILE

    def current(self) -> int:
        """The highest revision handed out so far on this project (0: none)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return max(0, int(raw["revision"]))
        except (OSError, ValueError, KeyError, TypeError, OverflowError):
            return 0

    def reserve(self, floor: int = 0) -> int:
        """A new revision, above every one handed out on this project and above ``floor``. When ``data/`` cannot
        be written the number is still above both, but no other process learns of it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return max(self.current(), floor) + 1
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            revision = max(self.current(), floor) + 1
            tmp.write_text(json.dumps({"revision": revision}) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
            revision = max(self.current(), floor) + 1
        finally:
            os.close(fd)  # closing releases the lock
        return revision
