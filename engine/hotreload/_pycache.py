"""Stale bytecode of exactly one source file."""

from __future__ import annotations

import importlib.util
import os


def cache_files(path: str, cached: str | None = None) -> list[str]:
    """The cached-bytecode files of ``path`` at every optimization level (exact names, no prefix match)."""
    files = []
    for opt in ("", 1, 2):
        try:
            files.append(importlib.util.cache_from_source(path, optimization=opt))
        except (NotImplementedError, ValueError):
            continue
    if cached and cached.endswith(".pyc"):
        stem = os.path.basename(path).rsplit(".", 1)[0]
        name = os.path.basename(cached)
        # the module's own __cached__, only when it names this very file: "<stem>.<tag>[.opt-N].pyc"
        if name.split(".")[0] == stem and cached not in files:
            files.append(cached)
    return files


def invalidate(path: str, cached: str | None = None) -> list[str]:
    """Delete the cached bytecode of ``path``; returns the files removed."""
    removed = []
    for file in cache_files(path, cached):
        try:
            os.unlink(file)
        except FileNotFoundError:
            continue
        except OSError:
            continue
        removed.append(file)
    return removed
