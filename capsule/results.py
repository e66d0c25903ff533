"""Tool results over ``result_max_bytes`` (agent.toml): stored once in ``data/tool-results/``, previewed in the thread.

The file is named by the SHA-256 of the result, so the same long result is kept once however often it comes
back. The thread's ``tool_result`` event (and the model) get the first part of the text, a line that says how
long the whole result is and where it is, and ``full_result``: its path relative to the project folder.

The text is redacted before it gets here (``CapsuleManager.call``), so neither the preview (which may end
anywhere, even inside what was a secret) nor the stored file holds a ``.env`` secret.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

RESULTS_DIR = "tool-results"


def cap_result(root: Path, data_dir: Path, tool: str, text: str, max_bytes: int) -> tuple[str, str | None]:
    """``(text, None)`` when ``text`` fits; else ``(preview, path of the stored full text)``."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= max_bytes:
        return text, None
    folder = data_dir / RESULTS_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"{tool}-{hashlib.sha256(raw).hexdigest()[:16]}.txt"
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(raw)
        os.replace(tmp, path)
    relative = path.relative_to(root).as_posix()
    note = f"\n[... result truncated: {len(text)} characters in all; the full result is in {relative}]"
    preview = raw[: max(0, max_bytes - 400)].decode("utf-8", "ignore")
    return preview + note, relative
