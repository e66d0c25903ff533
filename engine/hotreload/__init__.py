"""Hot reload of a module while the debuggee is stopped (docs/architecture.md, "The reload transaction").

``reload_file(path, options, frames=..., stopped=...)`` runs one reload as a transaction: resolve the file to
its loaded module(s), compile the new source with its real file name and line numbers, apply only what changed
(or re-run the whole module), patch every live object in place so all references see the new code, and either
commit (rebind frame locals, drop the file's stale bytecode, report) or roll everything back.

Call ``track_sources()`` when the debug session starts, so that the first reload of a file knows the source
the module was executed from (otherwise definitions are compared by their code only).
"""

from ._diff import remap_lines
from ._index import INDEX
from ._sources import running_old_code, source_of, track_sources
from ._telemetry import reset_telemetry, telemetry
from ._transaction import reload_file
from ._types import ReloadOptions, ReloadResult

__all__ = [
    "INDEX",
    "ReloadOptions",
    "ReloadResult",
    "reload_file",
    "remap_lines",
    "reset_telemetry",
    "running_old_code",
    "source_of",
    "telemetry",
    "track_sources",
]
