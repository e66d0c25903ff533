"""The debugger's scope in the one reload coordinator: saves of the debuggee's loaded sources.

A save while the program is stopped reloads at once. A save while it runs is recorded as pending and applied
at the next stop (a reload needs a stopped program: frames must not move under the patch); so is a save whose
reload found the program resumed meanwhile (a save that settles takes a while). A save whose text
did not change since the text the last reload compiled is recorded as skipped. A save that would empty the
module, or unbind most of its names that hold state (a save that truncates first and writes a moment later), is
re-read once the file has settled, and refused if it still would: only an explicit reload applies it. A FIFO,
device or directory in place of a module is refused without being opened. Every outcome becomes a ReloadRecord in the one reload log.

Library files (site-packages) are the user's too once they look at them: at each stop the package folders of
the library files the program is stopped in, or that hold a breakpoint, are watched as well. A save of one
reloads it only when the user opted in (`--reload-libraries`); otherwise it is logged as skipped, saying why.
The standard library and dapper-tui's own files are never claimed.

`start_watching` registers the scope with a front end's coordinator (the TUI's, the `--plain` console's) and
`watch_source_folder` adds the folder of a program file loaded from elsewhere.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import threading
import time
import types
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from dapper_tui.reload.record import ReloadRecord

from .events import Event, Reloaded, Stopped
from .hotreload import RUNNING_REFUSAL, ReloadOptions, previous_source, regular_file_refusal
from .session import DebugSession
from .sources import (
    RELOAD_LIBRARIES_ENV,
    canonical,
    is_user_file,
    loaded_sources,
    module_of_file,
    reload_libraries,
    source_kind,
    watch_root,
)


class Publisher(Protocol):
    def publish(self, record: ReloadRecord) -> None: ...


class DebuggerReloadScope:
    name = "debugger"

    def __init__(
        self, session: DebugSession, publisher: Publisher | None = None, *, auto_on_save: bool = True
    ):
        self.session = session
        self.publisher = publisher
        self.auto_on_save = auto_on_save
        self._pending: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._applied = threading.Condition(self._lock)  # notified when saves pending at a stop are applied
        self._applying = 0
        self._known: dict[str, str] = {}  # the text the last reload compiled, by path
        self.coordinator: Any = None  # set by start_watching: library folders are added to it at stops
        session.subscribe(self._on_event)

    # -- ReloadScope ------------------------------------------------------------------------------------------
    def claims(self, path: Path) -> bool:
        p = canonical(str(path))
        if not p.endswith((".py", ".pyw")):
            return False
        kind = source_kind(p)
        if kind == "program":
            return any(src.path == p for src in loaded_sources())
        return kind == "library" and module_of_file(p) is not None

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        records = []
        for path in paths:
            records.append(self.reload(path))
        return records

    # -- the work ---------------------------------------------------------------------------------------------
    def reload(self, path: Path | str, options: dict[str, Any] | None = None) -> ReloadRecord:
        p = canonical(str(path))
        if source_kind(p) == "library" and not reload_libraries():
            return _record(
                "skipped",
                p,
                "library module: saved, not reloaded; saves of library files are not watched unless "
                f"--reload-libraries is given (or {RELOAD_LIBRARIES_ENV}=1)",
                "Reload it explicitly (R, or `reload` in --plain), or start dapper-tui with --reload-libraries.",
            )
        state = self.session.state
        if state == "running":
            return self._pend(p)
        if state != "stopped":
            return _record(
                "skipped",
                p,
                f"the program is {state}; nothing to reload",
                "Restart the program to run the saved code.",
            )
        refusal = regular_file_refusal(p)
        if refusal is not None:
            return _record("failed", p, refusal[0], refusal[1])
        text = _read(p)
        if text is not None and self._known.get(p) == text:
            return _record("skipped", p, "no change since the last reload")
        if text is not None and self._loses_state(p, text) is not None:
            text = _settled(p)  # a save that truncates first, then writes: wait for the rest of it
            reason = None if text is None else self._loses_state(p, text)
            if reason is not None:
                return _record("skipped", p, f"{reason}: not reloaded from a save; press R to apply it")
            if text is not None and self._known.get(p) == text:
                return _record("skipped", p, "no change since the last reload")
        # What is compiled is the text checked here: read again, it may be a truncated file once more.
        opts = replace(ReloadOptions.from_dict(options), text=text)
        result = self.session.reload(p, opts)  # `_known` is updated by the Reloaded event
        if not result.ok and result.error == RUNNING_REFUSAL and self.session.state == "running":
            return self._pend(p)  # the program was resumed meanwhile (a settling save takes a while)
        return result.to_record()

    def _pend(self, p: str) -> ReloadRecord:
        with self._lock:
            self._pending[p] = Path(p)
        if self.session.state == "stopped":  # it stopped meanwhile, and that stop did not see this save
            self.session.threads.spawn_internal(self._apply_pending, "reload-pending")
        return _record("pending", p, "saved while the program runs: it will reload at the next stop")

    def _loses_state(self, path: str, text: str) -> str | None:
        """Why applying `text` from a save would lose what the module holds, or None: an empty file, or one that
        no longer binds most of the module-level names that hold state (values, not functions, classes or
        modules)."""
        if not text.strip():
            return "the file is empty"
        held = self._state_names(path)
        if len([n for n in held if n not in text]) * 2 <= len(held):
            return None  # most of the names are still in the text: no need to parse it
        try:
            bound = _bound_names(ast.parse(text))
        except (SyntaxError, ValueError):
            return None  # the reload refuses it, and changes nothing
        gone = sorted(held - bound)
        if held and len(gone) * 2 > len(held):
            shown = ", ".join(gone[:5]) + (", ..." if len(gone) > 5 else "")
            return f"the save removes {len(gone)} of the {len(held)} names that hold state ({shown})"
        return None

    def _state_names(self, path: str) -> set[str]:
        from .hotreload import Rejected, resolve

        parking = self.session.parking
        with parking.cv:
            frames = [f for stack in parking.parked_frames().values() for f, _ in stack]
        try:
            targets = resolve(path, frames)[1]
        except Rejected:
            return set()
        names: set[str] = set()
        for target in targets:
            for name, value in list(target.ns.items()):
                if not name.startswith("__") and not isinstance(value, _CODE_KINDS):
                    names.add(name)
        return names

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Reloaded) and event.result.ok:
            # Any reload (this scope's, the reload key's, a DAP client's): a save of the same text is no change.
            # The text that was compiled, not the file read again now: a save may have gone on meanwhile.
            path = canonical(str(event.result.reloadedPath))
            text, origin = previous_source(path, set())
            if text is not None and origin == "recorded":
                self._known[path] = text
            else:
                self._known.pop(path, None)
        if isinstance(event, Stopped) and self._pending:
            # This runs on the stopping debuggee thread: the reload must run on a thread of ours.
            self.session.threads.spawn_internal(self._apply_pending, "reload-pending")
        if isinstance(event, Stopped) and self.coordinator is not None:
            thread_id = event.thread_id
            with self._lock:
                self._applying += 1  # `settle` waits for the folders too
            self.session.threads.spawn_internal(lambda: self._watch_libraries(thread_id), "reload-watch-lib")

    def _watch_libraries(self, thread_id: int | None) -> None:
        """Watch the package folders of the library files the user is looking at: those the program is stopped
        in and those that hold a breakpoint (a save of one is then reloaded, or logged as skipped)."""
        try:
            try:
                paths = {f.path for f in self.session.stack(thread_id) if f.path}
            except Exception:  # the program moved on meanwhile
                paths = set()
            paths |= {bp.path for bp in self.session.breakpoint_list() if bp.path}
            roots = {watch_root(p) for p in paths if source_kind(p) == "library"}
            if roots:
                self.coordinator.add_roots(self, [Path(r) for r in sorted(roots)])
        finally:
            with self._lock:
                self._applying -= 1
                self._applied.notify_all()

    def _apply_pending(self) -> None:
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
            self._applying += 1
        try:
            for path in pending:
                record = self.reload(path)
                if self.publisher is not None:
                    self.publisher.publish(record)
        finally:
            with self._lock:
                self._applying -= 1
                self._applied.notify_all()

    def catch_up(self, coordinator: Any, roots: list[Path]) -> None:
        """Apply the saves made before `roots` were watched: the program may stop, and the user save, before the
        watcher listens (it starts after the program does). A loaded program source under `roots` whose text
        differs from the text its module last ran goes through the coordinator exactly as a save would."""
        real_roots = [r.resolve() for r in roots]
        saved = []
        for src in loaded_sources():
            path = Path(src.path)
            if source_kind(src.path) != "program" or not any(path.is_relative_to(r) for r in real_roots):
                continue
            ran, origin = previous_source(src.path, set())
            if origin != "recorded" or regular_file_refusal(src.path) is not None:
                continue
            text = _read(src.path)
            if text is not None and text != ran:
                saved.append(path)
        if saved:
            coordinator.request(saved)

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until the saves that were pending when the program stopped are applied, and the library folders
        that stop brought in are watched (a front end that prompts after a stop waits for them, so that the
        reload's outcome comes before the prompt, and a save right after it is seen). Returns False on
        timeout."""

        def settled() -> bool:
            return not self._applying and not (self._pending and self.session.state == "stopped")

        with self._applied:
            return self._applied.wait_for(settled, timeout)


def start_watching(coordinator: Any, session: DebugSession, roots: list[str]) -> DebuggerReloadScope:
    """Register the debugger's scope for `session` with the coordinator, watching `roots`, and start watching
    (returns once the watcher listens, and the saves made before it did are applied). Returns the scope."""
    scope = DebuggerReloadScope(session, coordinator)
    scope.coordinator = coordinator
    coordinator.add_scope(scope, [Path(r) for r in roots])
    coordinator.start()
    scope.catch_up(coordinator, [Path(r) for r in roots])
    return scope


def watch_source_folder(coordinator: Any, scope: DebuggerReloadScope | None, path: str) -> None:
    """A program file loaded from outside the watched folders (a package beside the script, the folder of a
    `-m` module): watch its folder too, so that saving it reloads it like any other (a save made before the
    folder was watched included)."""
    if scope is not None and is_user_file(path):
        added = coordinator.add_roots(scope, [Path(path).parent])
        if added:
            scope.catch_up(coordinator, added)


_CODE_KINDS = (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType)
SETTLE_S = 0.3  # a save is settled once the file has not changed for this long
SETTLE_MAX_S = 2.0


def _signature(path: str) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return importlib.util.decode_source(f.read())
    except (OSError, UnicodeDecodeError, SyntaxError):
        return None  # the reload says why


def _settled(path: str) -> str | None:
    """The file's text once it has not changed for SETTLE_S (at most SETTLE_MAX_S from now)."""
    deadline = time.monotonic() + SETTLE_MAX_S
    last, since = _signature(path), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < SETTLE_S:
        time.sleep(0.02)
        now = _signature(path)
        if now != last:
            last, since = now, time.monotonic()
    return _read(path)


def _bound_names(tree: ast.Module) -> set[str]:
    """Every name the module's text may bind at module level (an over-estimate: names bound anywhere in it)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Global):
            names.update(node.names)
    return names


def _record(outcome: Any, path: str, message: str, hint: str | None = None) -> ReloadRecord:
    return ReloadRecord(
        scope="debugger", outcome=outcome, path=path, module=module_of_file(path), message=message, hint=hint
    )
