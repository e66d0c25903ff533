"""One hot reload of one source file, as a transaction: load the edit, apply it, commit or roll back.

The parts: ``_edit`` loads what the reload applies (the file resolved by ``_resolve``, its old and new source);
``_modes`` applies it to each module namespace, as a diff or by re-running the module; ``_patcher`` patches
the live objects in place (comparing code with ``_compare``); ``_migrate`` moves what refers to a rebuilt class.
Every change is journaled, so that a failure anywhere, committing included, undoes all of it: the module's
names, the patched objects, and (``_undo``) the contents of the existing objects the re-run statements could change
in place. A failed reload's top-level ``STATE["n"] = -1`` is undone rather than refused.
"""

from __future__ import annotations

import linecache
import os
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from . import _frames, _pycache, _sources, _telemetry
from ._compare import Compare
from ._edit import Edit, load, remember_items
from ._index import INDEX
from ._journal import Journal
from ._migrate import migrate
from ._modes import DiffMode, Mode, ModuleMode
from ._patcher import Patcher
from ._report import warn
from ._resolve import CompileError, Rejected, Target, syntax_rejected
from ._types import ReloadOptions, ReloadResult
from ._undo import InPlaceUndo

_LOCK = threading.RLock()
_NOT_STOPPED = {
    "running": (
        "the debuggee is running: hot reload needs a stopped session",
        "Pause the program (or wait for a breakpoint), then reload; a save while running is applied at the "
        "next stop.",
    ),
    "exited": (
        "the program has exited: there is nothing to reload",
        "Restart the program: it runs the saved code from the start.",
    ),
    "idle": (
        "the program has not started: there is nothing to reload",
        "Start the program: it runs the saved code.",
    ),
}

RUNNING_REFUSAL = _NOT_STOPPED["running"][
    0
]  # a reload's error when the program runs (a save is then pending)


class Transaction:
    """Applies one ``Edit`` to the running program: all of it, or (on any failure) none of it."""

    def __init__(
        self, edit: Edit, options: ReloadOptions, frames: Sequence[FrameType], result: ReloadResult
    ) -> None:
        self.edit = edit
        self.opts = options
        self.frames = list(frames)
        self.result = result
        self.journal = Journal()
        self.undo = InPlaceUndo(self.journal)  # first in the journal: undone last, after the patches
        self.snapshots: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.patcher = Patcher(edit, Compare(edit), self.journal, result)
        self.diff_mode = DiffMode(edit, self.patcher)
        self.module_mode = ModuleMode(edit, self.patcher)

    # what the commit reads, by the names it has always used
    @property
    def real(self) -> str:
        return self.edit.real

    @property
    def new_text(self) -> str:
        return self.edit.new_text

    @property
    def old_text(self) -> str | None:
        return self.edit.old_text

    @property
    def replaced(self) -> dict[int, tuple[Any, Any]]:
        return self.patcher.replaced

    def warn(self, message: str) -> None:
        warn(self.result, message)

    def mode_for(self, t: Target) -> Mode:
        """``__main__`` is never re-run: module mode reloads it as a diff too."""
        if self.opts.mode == "module" and not t.is_main:
            return self.module_mode
        return self.diff_mode

    def run(self) -> None:
        INDEX.ensure(self.real)
        for t in self.edit.targets:
            INDEX.add_namespace(self.real, t.ns)
        try:
            with _sources.reloading(self.real):
                self.apply()
                self.commit()  # inside: a failure while committing rolls back too
        except BaseException as exc:
            problems = self.roll_back()
            if not isinstance(exc, Exception):
                raise
            raise self._rejection(exc, problems) from exc

    def apply(self) -> None:
        for t in self.edit.targets:  # every snapshot before anything runs (two targets share their objects)
            self.snapshots.append((t.ns, dict(t.ns)))
            self.undo.protect(t.ns, self.mode_for(t).will_run(t))
        for t in self.edit.targets:
            self.mode_for(t).apply(t)
            self.patcher.patch_indexed(t)
        migrate(self.patcher, self.opts, self.edit.targets)

    # -- roll back --

    def roll_back(self) -> list[str]:
        """Undo everything the reload changed; returns what could not be undone."""
        problems = self.journal.rollback()
        for ns, snap in reversed(self.snapshots):
            ns.clear()
            ns.update(snap)
        # nothing was applied: what the warnings and the line map said about it is void
        self.result.warnings.clear()
        self.result.line_map = {}
        return problems

    def _rejection(self, exc: Exception, problems: list[str]) -> Rejected:
        """What the user is told about a reload that failed and was rolled back."""
        if isinstance(exc, CompileError):
            return syntax_rejected(exc.exc, self.real)
        line = self._error_line(exc)
        who = "the module raised" if line else "the reload failed with"
        msg = (
            f"{who} {type(exc).__name__}: {exc}"
            + (f" (line {line})" if line else "")
            + "; the reload was rolled back"
            + (f" (in-place changes undone: {self.undo.summary()})" if self.undo.restored else "")
            + " and the old code keeps running"
        )
        if problems:
            msg += f" (could not undo: {'; '.join(problems)})"
        hint = (
            "Fix the error in the module's top-level code and save again."
            if line
            else "The old code keeps running; reload again, or restart the session if it keeps failing."
        )
        return Rejected(msg, hint)

    def _error_line(self, exc: BaseException) -> int | None:
        line = None
        for fs in traceback.extract_tb(exc.__traceback__):
            if _sources.realpath(fs.filename) == self.real:
                line = fs.lineno
        return line

    # -- commit --

    def _mark_old(self, code: CodeType) -> None:
        marked = _sources.mark_old(code, self.old_text)
        if marked:
            self.journal.on_undo(lambda: _sources.unmark_old(marked))

    def commit(self) -> None:
        """Runs inside the transaction: anything it changes is journaled, so a failure here rolls back too.
        What cannot be undone (the recorded source) comes last."""
        r, opts = self.result, self.opts
        for old in self.patcher.to_mark:
            self._mark_old(old)
        r.patchedFunctions = len(self.patcher.patched_fns)
        r.patchedClasses = len(self.patcher.patched_classes)
        # the frames: which keep old code, which locals hold replaced objects
        old_frames: list[str] = []
        replaced = {k: v for k, v in self.replaced.items() if v[1] is not None}
        for frame in _frames.walk(self.frames):
            code = frame.f_code
            if (
                code.co_name == "<module>"
                and _sources.realpath(code.co_filename) == self.real
                and self.new_text != self.old_text
            ):
                self._mark_old(code)
            if _sources.running_old_code(frame):
                old_frames.append(f"{code.co_qualname} (line {frame.f_lineno})")
            if opts.rebindFrameLocals and replaced:
                try:
                    self._rebind(frame, replaced)
                except Exception as exc:
                    self.warn(f"could not rebind the locals of {code.co_qualname}: {exc}")
        if old_frames:
            self.warn(
                f"{len(old_frames)} frame(s) keep running their old code until they return: "
                + ", ".join(old_frames)
            )
            if opts.updateFrameCode:
                self.warn(
                    "updateFrameCode: 0 frames updated: a running frame moves into the new code only when a "
                    "debug session holds it stopped at the start of a line, so these finish on their old code "
                    "and their next calls run the new code"
                )
        if self.patcher.rebuilds and not opts.rebindFrameLocals:
            self.warn("rebindFrameLocals is off: frame locals may still hold the old classes")
        self._commit_file()

    def _commit_file(self) -> None:
        """The file: line map, bytecode cache, line cache, index, recorded source."""
        r, e = self.result, self.edit
        r.line_map = dict(e.line_map) if e.line_map is not None else {}
        if self.opts.invalidatePycache:
            for t in e.targets:
                cached = t.ns.get("__cached__")
                _pycache.invalidate(e.real, cached if isinstance(cached, str) else None)
                file = t.ns.get("__file__")
                if isinstance(file, str) and file != e.real:
                    _pycache.invalidate(file)
        for name in {e.real, e.filename, *(t.ns.get("__file__") for t in e.targets)}:
            if isinstance(name, str):
                linecache.cache.pop(name, None)
        if r.added or self.replaced or self.patcher.rebuilds:  # new function objects: index them now
            for t in e.targets:
                INDEX.add_namespace(e.real, t.ns)
        _sources.remember_source(e.real, e.new_text)
        remember_items(e)

    def _rebind(self, frame: FrameType, replaced: dict[int, tuple[Any, Any]]) -> None:
        before = _frames.rebind(frame, replaced)
        if before:
            self.result.reboundFrames += 1
            self.journal.on_undo(lambda: _frames.write_locals(frame, before))


def reload_file(
    path: str | Path,
    options: ReloadOptions | None = None,
    *,
    frames: Sequence[FrameType] = (),
    stopped: bool = True,
    state: str | None = None,
    allow: Callable[[str], bool] | None = None,
) -> ReloadResult:
    """Hot reload the module(s) loaded from ``path`` while the debuggee is stopped (see the package doc).

    ``state`` (the session's: "stopped", "running", "exited", "idle") overrides ``stopped`` and names the
    reason in the refusal. ``allow(real_path)`` says which loaded files may be reloaded at all (the program's
    own sources); the others are refused as not loaded in this session."""
    start = time.perf_counter()
    opts = options or ReloadOptions()
    result = ReloadResult(ok=False, mode=opts.mode, reloadedPath=os.path.abspath(os.fspath(path)))
    if state is not None:
        stopped = state == "stopped"
    with _LOCK:
        try:
            if not stopped:
                raise Rejected(*_NOT_STOPPED.get(state or "running", _NOT_STOPPED["running"]))
            edit = load(path, opts, frames, result, allow)
            Transaction(edit, opts, frames, result).run()
            result.ok = True
        except Rejected as exc:
            result.ok, result.error, result.hint = False, exc.error, exc.hint
            result.patchedFunctions = result.patchedClasses = result.patchedInstances = 0
            result.reboundFrames = result.updatedFrameCodes = 0
            result.added, result.changed, result.removed = [], [], []
        except Exception as exc:  # a bug of ours: never leave the session in a half state silently
            result.ok = False
            result.error = f"internal error during hot reload: {type(exc).__name__}: {exc}"
            result.hint = "Please report this; restart the session if the program misbehaves."
    result.durationMs = (time.perf_counter() - start) * 1000.0
    _telemetry.record(
        result.ok,
        module=result.reloadedModule,
        path=result.reloadedPath,
        duration_ms=result.durationMs,
        error=result.error,
        warnings=len(result.warnings),
    )
    return result
