"""Hot reload of a module while the debuggee is stopped (docs/architecture.md, "The reload transaction").

``reload_file(path, options, frames=..., stopped=...)`` runs one reload as a transaction: resolve the file to
its loaded module(s), compile the new source with its real file name and line numbers, apply only what changed
(or re-run the whole module), patch every live object in place so all references see the new code, and either
commit (rebind frame locals, drop the file's stale bytecode, report) or roll everything back.

Call ``track_sources()`` when the debug session starts, so that the first reload of a file knows the source
the module was executed from (otherwise definitions are compared by their code only).

The modules here are private to the package: the rest of the engine imports what it needs from this one.
"""

from ._diff import matched_lines, remap_lines
from ._index import INDEX
from ._report import definitions, warn, warn_stale_imports
from ._resolve import Rejected, regular_file_refusal, resolve
from ._sources import (
    forget_source,
    previous_source,
    read_text,
    realpath,
    running_old_code,
    source_of,
    track_sources,
)
from ._telemetry import SUCCEEDED, reset_telemetry, telemetry
from ._transaction import RUNNING_REFUSAL, reload_file
from ._types import ReloadOptions, ReloadResult

__all__ = [
    "INDEX",
    "RUNNING_REFUSAL",
    "SUCCEEDED",
    "Rejected",
    "ReloadOptions",
    "ReloadResult",
    "definitions",
    "forget_source",
    "matched_lines",
    "previous_source",
    "read_text",
    "realpath",
    "regular_file_refusal",
    "reload_file",
    "remap_lines",
    "reset_telemetry",
    "resolve",
    "running_old_code",
    "source_of",
    "telemetry",
    "track_sources",
    "warn",
    "warn_stale_imports",
]
