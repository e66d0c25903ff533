"""A hot reload of the stopped (or running) program, with the session's part around `hotreload.reload_file`:
the frames it must consider, the breakpoints and old-code lines that follow the new text, the parked frames that
move into the new code (edit and continue), and the events that tell the front end."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .events import BreakpointChanged, LoadedSource, Reloaded
from .sources import canonical

if TYPE_CHECKING:
    from .hotreload import ReloadOptions, ReloadResult
    from .session import DebugSession


def reload_in(
    session: DebugSession, path: str, options: ReloadOptions | dict[str, Any] | None
) -> ReloadResult:
    from .hotreload import (
        Rejected,
        ReloadOptions,
        definitions,
        reload_file,
        resolve,
        warn,
        warn_stale_imports,
    )
    from .sources import library_reload_warning, source_kind

    opts = options if isinstance(options, ReloadOptions) else ReloadOptions.from_dict(options)
    with session.reload_lock, _gc_paused():
        with session.parking.cv:
            state = session.state
            frames = [f for stack in session.parking.parked_frames().values() for f, _ in stack]
        before = session.old_lines.text_of(path)  # the text of the code this reload may leave running
        try:
            defined = definitions([t.ns for t in resolve(path, frames)[1]])
        except Rejected:
            defined = {}  # reload_file says why
        result = reload_file(path, opts, frames=frames, state=state, allow=_may_reload)
        if result.ok:
            if result.reloadedPath is not None and source_kind(result.reloadedPath) == "library":
                warn(result, library_reload_warning())
            warn_stale_imports(result, defined, sys.modules)
            session.old_lines.reloaded(path, before, result.line_map)
            for reason, bp in session.breakpoints.remap(path, result.line_map):
                session.emit(BreakpointChanged(reason, bp))  # type: ignore[arg-type]
            session.refresh_tracing()
            session.editor.report_into(result, opts.updateFrameCode)
            with session.parking.cv:  # the frames' line numbers are unchanged; a new stop id refreshes views
                session.vars.clear()
    if result.ok:
        session.emit(LoadedSource("changed", canonical(path), result.reloadedModule))
    session.emit(Reloaded(result))
    return result


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a reload parses and diffs: the trees of a large module make the
    collector run again and again over a heap that only grows, each pass holding the GIL for up to a second
    (requests from the front end wait on it). It halves the reload of an 870 KB module."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _may_reload(real: str) -> bool:
    """May a reload patch this loaded file? Never the standard library or the debugger's own modules, even though
    they are in sys.modules too: raises the refusal with its reason."""
    from .hotreload import Rejected
    from .sources import module_of_file, reload_refusal

    refusal = reload_refusal(real, module_of_file(real))
    if refusal is not None:
        raise Rejected(*refusal)
    return True
