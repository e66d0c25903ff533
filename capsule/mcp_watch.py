"""Which saves reload what in ``dapper-tui mcp DIR``: a watch on the project folder, by reload-table row.

Each batch of changes (debounced by watchfiles) becomes a set of rows (``project.classify``) handed to
``ProjectSurface.on_changes`` (``capsule/mcp_surface.py``). A folder added under ``src/tools``, ``src/prompts``
or ``src/scripts`` (moved in, ``cp -r``, ``mkdir -p`` and a write at once) counts as a save there. A reload that
fails is reported, and the watch goes on: a reload never takes the server down.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dapper_tui.capsule.mcp_surface import ProjectSurface
from dapper_tui.capsule.project import AgentProject, Row

_FOLDER_ROWS = {"tools": Row.TOOLS, "prompts": Row.PROMPTS, "scripts": Row.SCRIPTS}


def _row(project: AgentProject, change: Any, path: str) -> Row | None:
    """The reload-table row of a change: ``project.classify``'s, and a folder added under ``src/tools``,
    ``src/prompts`` or ``src/scripts`` (a folder moved in, ``cp -r``, ``git checkout``, ``mkdir -p`` and a file
    written at once): the files in it have no event of their own, or one from before the watch on the new folder
    existed, so the folder's own event starts the reload, which reads the disk and finds them."""
    import watchfiles

    row = project.classify(Path(path))
    if row is not None or change != watchfiles.Change.added or not os.path.isdir(path):
        return row
    try:
        parts = Path(os.path.realpath(path)).relative_to(project.root).parts
    except ValueError:
        return None
    hidden = any(p == "__pycache__" or p.startswith(".") for p in parts)
    if len(parts) >= 2 and parts[0] == "src" and parts[1] in _FOLDER_ROWS and not hidden:
        return _FOLDER_ROWS[parts[1]]
    return None


async def watch(surface: ProjectSurface, stop: Any) -> None:
    """Reload on save until ``stop`` is set (set it before cancelling: watchfiles' thread only sees the event)."""
    import watchfiles

    project = surface.project

    def wanted(change: Any, path: str) -> bool:
        return _row(project, change, path) is not None

    async for changes in watchfiles.awatch(
        project.root, watch_filter=wanted, debounce=50, step=10, stop_event=stop
    ):
        rows = {row for c, p in changes if (row := _row(project, c, p)) is not None}
        try:
            await surface.on_changes(rows)
        except Exception as exc:  # a reload must never take the server down
            await surface.report([f"reload failed: {type(exc).__name__}: {exc}"])
