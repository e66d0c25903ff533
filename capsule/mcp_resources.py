"""The MCP server's resources: the files under the project's ``data/``, read-only.

They are listed from the disk at each ``resources/list`` (hidden files and ``__pycache__`` left out, at most
``_MAX_RESOURCES``), each with a ``file://`` URI and a MIME type guessed from its name or, failing that, from its
first bytes. ``resources/read`` serves a file under ``data/`` only; any other URI is "not found".
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_MAX_RESOURCES = 2000


def _sniff_mime(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed:
        return guessed
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
        if b"\0" in head:
            return "application/octet-stream"
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    except OSError:
        pass
    return "text/plain"


def data_files(data_dir: Path) -> list[Path]:
    if not data_dir.is_dir():
        return []
    found: list[Path] = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir).parts
        if any(p.startswith(".") or p == "__pycache__" for p in rel) or not path.is_file():
            continue
        found.append(path)
        if len(found) >= _MAX_RESOURCES:
            break
    return found


class DataResources:
    """``data/``'s files as the SDK's resources (``data_dir`` resolved)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def file_resource(self, path: Path) -> Any:
        from mcp.server.mcpserver.resources import FileResource

        rel = path.relative_to(self.data_dir).as_posix()
        return FileResource(
            uri=path.as_uri(),
            path=path,
            name=f"data/{rel}",
            description=f"{rel} in the agent's data folder (read-only)",
            mime_type=_sniff_mime(path),
        )

    def listed(self) -> list[Any]:
        from mcp_types import Resource as MCPResource

        return [
            MCPResource(uri=r.uri, name=r.name or "", description=r.description, mime_type=r.mime_type)
            for r in map(self.file_resource, data_files(self.data_dir))
        ]

    async def read(self, uri: Any) -> Iterable[Any]:
        from mcp.server.lowlevel.helper_types import ReadResourceContents
        from mcp.server.mcpserver.exceptions import ResourceNotFoundError

        text = str(uri)
        path: Path | None = None
        if text.startswith("file://"):
            from urllib.parse import unquote, urlparse

            path = Path(unquote(urlparse(text).path)).resolve()
        if path is None or not path.is_relative_to(self.data_dir) or not path.is_file():
            raise ResourceNotFoundError(f"Unknown resource: {text} (resources are the files of data/)")
        resource = self.file_resource(path)
        content = await resource.read()
        return [ReadResourceContents(content=content, mime_type=resource.mime_type)]
