"""What a reload tells: its warnings, and the names it added, changed or removed (each said once)."""

from __future__ import annotations

from ._types import ReloadResult


def warn(result: ReloadResult, message: str) -> None:
    if message not in result.warnings:
        result.warnings.append(message)


def note(bucket: list[str], name: str) -> None:
    if name not in bucket:
        bucket.append(name)
