"""Hot reload outcome counters and recent events, as ``get_frame_eval_telemetry()`` reports them."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

SUCCEEDED = "HOT_RELOAD_SUCCEEDED"
FAILED = "HOT_RELOAD_FAILED"
_RECENT = 50

_lock = threading.Lock()
_counts = {SUCCEEDED: 0, FAILED: 0}
_recent: deque[dict[str, Any]] = deque(maxlen=_RECENT)


def record(
    ok: bool, *, module: str | None, path: str | None, duration_ms: float, error: str | None, warnings: int
) -> None:
    event = SUCCEEDED if ok else FAILED
    with _lock:
        _counts[event] += 1
        _recent.append(
            {
                "event": event,
                "timestamp": time.time(),
                "module": module,
                "path": path,
                "durationMs": round(duration_ms, 3),
                "error": error,
                "warnings": warnings,
            }
        )


def telemetry() -> dict[str, Any]:
    """``{"HOT_RELOAD_SUCCEEDED": n, "HOT_RELOAD_FAILED": n, "recent": [events, oldest first]}`` (a copy)."""
    with _lock:
        return {SUCCEEDED: _counts[SUCCEEDED], FAILED: _counts[FAILED], "recent": [dict(e) for e in _recent]}


def reset_telemetry() -> None:
    with _lock:
        _counts[SUCCEEDED] = _counts[FAILED] = 0
        _recent.clear()
