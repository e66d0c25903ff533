"""Reload on save: the engine's debugger scope on the one reload coordinator, wired to the app.

A save of a loaded source while the program is stopped reloads at once; a save while it runs is logged as
pending and applied at the next stop (both by `dapper_tui.engine.reload_scope.DebuggerReloadScope`). A save of a
library file the program is stopped in, or that holds a breakpoint, reloads only with `--reload-libraries`;
otherwise the reload log says why it did not. The reload key takes the app's own path
(`pending_saves.PendingSaves`), so that it works without a watcher too, and reloads a loaded library module with
a warning.
`start_watching` and `watch_source_folder` live with the scope, for the `--plain` console uses them too.
"""

from __future__ import annotations

from dapper_tui.engine.reload_scope import start_watching, watch_source_folder

__all__ = ["start_watching", "watch_source_folder"]
