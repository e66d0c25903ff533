"""Finding the code objects that breakpoints concern, for the backends that work per code object.

- `BreakpointConfig`: the breakpoint lines per file and the function names of function breakpoints, read from the
  core's breakpoint table; `changes` tells which files need their functions looked at again, and how to find them
  (`Changes`): a file saved since and hot-reloaded, through the hot reload's code index (no heap scan); a file
  whose breakpoint lines changed otherwise, or a change of function breakpoint names, with one heap scan.
- `functions_of`: one heap scan for the function objects of some files.
- `walk`: a code object and every code object nested in it.
- `CodeHooks`: a code object is handed to `prepare(code)` before it first runs: for modules imported from now on
  (a meta path finder switches their loader to one whose `get_code` calls it) and for the launched script (which
  `launch.run` compiles itself and hands the code to `prepare`). `prepare` may return another code object.
  Modules run past that finder (a finder of the program's own ahead of ours, as pytest's assertion rewriter,
  a loader that compiles and execs itself, `importlib.util.spec_from_file_location`, `runpy`) are seen by an
  audit hook on `exec`: every module body is run by `exec(code, ...)`, whoever loads it. The code object cannot
  be swapped there, so it goes to `executing(code)`, which the backend gives the code's breakpoints another way
  (local events on 3.12+, a traced module frame on 3.11). Only code of a file with breakpoints (or any code, with
  function breakpoints) gets that far; with no breakpoints the hook returns at its first test.
"""

from __future__ import annotations

import gc
import importlib.machinery
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import CodeType, FunctionType
from typing import Any

_canon_cache: dict[str, str] = {}


def canonical(path: str) -> str:
    c = _canon_cache.get(path)
    if c is None:
        c = _canon_cache[path] = os.path.realpath(os.path.abspath(path))
    return c


def own_lines(code: CodeType) -> set[int]:
    """The lines of this code object's own instructions (not of the code objects nested in it)."""
    return {line for _, _, line in code.co_lines() if line is not None}


# Code objects a line runs in a frame of its own: their first line (and the line of the iterable) is also a line
# of the code that makes and runs them, which is where the user sees it.
COMPREHENSIONS = frozenset({"<genexpr>", "<listcomp>", "<setcomp>", "<dictcomp>"})


def is_function(code: CodeType) -> bool:
    return bool(code.co_flags & 0x3)  # CO_OPTIMIZED | CO_NEWLOCALS: a function, not a module or class body


def walk(code: CodeType) -> Iterator[CodeType]:
    stack = [code]
    while stack:
        c = stack.pop()
        yield c
        stack.extend(k for k in c.co_consts if isinstance(k, CodeType))


class BreakpointConfig:
    """What the breakpoints ask for: lines per canonical file, and function names (last dotted part)."""

    def __init__(self, core: Any = None) -> None:
        self.old_lines = getattr(core, "old_lines", None)  # session.OldLines: breakpoint lines in old code
        table = getattr(core, "breakpoints", None)
        by_path = getattr(table, "by_path", None) or {}
        self.lines: dict[str, frozenset[int]] = {p: frozenset(b) for p, b in by_path.items() if b}
        self.names = frozenset(
            (bp.function or "").rsplit(".", 1)[-1] for bp in (getattr(table, "functions", None) or ())
        )
        self.stems = frozenset(os.path.splitext(os.path.basename(p))[0] for p in self.lines)
        self.mtimes = {p: _mtime(p) for p in self.lines}
        # a reload of any file may put new code objects on functions that function breakpoints name
        self.reloads = _reload_count() if self.names else 0

    @property
    def empty(self) -> bool:
        return not self.lines and not self.names

    def lines_of(self, code: CodeType, as_run: CodeType | None = None) -> frozenset[int] | None:
        """The breakpoint lines of `code`, numbered as in the text it was compiled from: for code that a reload
        replaced (still run by frames that were not moved into the new code), the breakpoints' lines mapped
        back to its old text. `as_run`: the code object frames run, when it is a backend's copy of `code` with
        hooks (the copy is what a reload marks old)."""
        filename = code.co_filename
        if filename[:1] == "<":
            return None
        path = canonical(filename)
        lines = self.lines.get(path)
        old = self.old_lines
        if lines and old is not None and path in old.paths:
            return old.old_lines(as_run or code, path, lines)  # type: ignore[no-any-return]
        return lines

    def changes(self, old: BreakpointConfig) -> Changes:
        """Which files' functions must be looked at again since `old`, and how to find them.

        - Held breakpoints before and now, saved since, and known to the hot reload's code index: a reload may
          have put new code objects on its functions, and it found every function it changed through that
          index (or the module's namespace, which it indexes too), so the index is where they are. This is
          what runs after every reload (its re-mapped breakpoint lines included), with no heap scan.
        - Breakpoint lines changed otherwise (the first breakpoints of a file, lines moved or removed by the
          user): one heap scan, unavoidable there: any live function, closure or method made from the file's
          code may need hooks now, and nothing else knows them all (the index misses closures made since the
          last reload that have reached the oldest GC generation, see hotreload/_index.py).
        - Saved but never reloaded: its functions still run the code they had, nothing to find.
        A change of function breakpoint names concerns every function of every file: one heap scan; so does a
        reload while there are function breakpoints (it may have given the functions they name new code objects).

        Known gap: saves are told by the file's mtime, so a file saved and then given new breakpoint lines
        before it is reloaded is taken for reloaded at that refresh (its functions come from the index), and
        the reload that follows, seeing the same mtime, finds its functions only if the lines changed again.
        """
        index = _reload_index()
        reloaded: set[str] = set()
        attached: set[str] = set()
        for p in set(self.lines) | set(old.lines):
            saved = p in self.mtimes and p in old.mtimes and self.mtimes[p] != old.mtimes[p]
            if saved and index is not None and p in index:
                reloaded.add(p)
            elif self.lines.get(p) != old.lines.get(p):
                attached.add(p)
        every_file = self.names != old.names or (bool(self.names) and self.reloads != old.reloads)
        return Changes(frozenset(reloaded), frozenset(attached), every_file)

    def may_hold(self, fullname: str) -> bool:
        """Might the module `fullname` hold breakpoints (cheap, before looking for its file)?"""
        if self.names:
            return True
        return fullname.rpartition(".")[2] in self.stems or "__init__" in self.stems


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return -1.0


_HOTRELOAD = __name__.rsplit(".", 2)[0] + ".hotreload"  # looked up, never imported: it is loaded by a reload


def _reload_count() -> int:
    """How many hot reloads succeeded so far (0 if hot reload was never imported, or is being imported)."""
    module = sys.modules.get(_HOTRELOAD)
    telemetry = getattr(module, "telemetry", None)
    return telemetry()[module.SUCCEEDED] if telemetry is not None else 0  # type: ignore[union-attr]


def _reload_index() -> Any:
    """The hot reload's code index (engine/hotreload/_index.py), or None if hot reload was never imported (then
    no file was reloaded either)."""
    return getattr(sys.modules.get(_HOTRELOAD), "INDEX", None)


@dataclass(frozen=True)
class Changes:
    """What `BreakpointConfig.changes` found: files whose functions to find again, and how."""

    reloaded: frozenset[str]  # saved and hot-reloaded since: their functions are in the reload's code index
    attached: frozenset[str]  # breakpoint lines changed otherwise: a heap scan finds their functions
    every_file: bool  # function breakpoint names changed: every function of every file (a heap scan)

    def __bool__(self) -> bool:
        return bool(self.reloaded or self.attached or self.every_file)

    @property
    def scans(self) -> bool:
        """Does finding the functions take a heap scan?"""
        return bool(self.attached or self.every_file)

    def functions(self, code_of: Callable[[CodeType], CodeType]) -> list[FunctionType]:
        """The live functions of the changed files: a heap scan only if `scans`, the code index otherwise."""
        if self.every_file:
            return functions_of(set(), True, code_of)  # every function, those of reloaded files included
        out = functions_of(set(self.attached), False, code_of) if self.attached else []
        index = _reload_index() if self.reloaded else None
        if index is not None:
            seen = {id(f) for f in out}
            for path in self.reloaded:
                for qualname in index.qualnames(path):
                    for func in index.live(path, qualname):
                        if id(func) not in seen:
                            seen.add(id(func))
                            out.append(func)
        return out


def functions_of(
    paths: set[str], every_file: bool, code_of: Callable[[CodeType], CodeType]
) -> list[FunctionType]:
    """Live function objects whose (original) code comes from one of these files. One heap scan (gc.get_objects):
    only for breakpoints attached to a file (or function breakpoint names changed), never after a reload."""
    out = []
    for obj in gc.get_objects():
        if type(obj) is FunctionType and (
            every_file or canonical(code_of(obj.__code__).co_filename) in paths
        ):
            out.append(obj)
    return out


class CodeHooks:
    """Hand code objects to `prepare` before they run: modules imported from now on, and the launched script;
    and to `executing` those that another loader runs (see the module's docstring)."""

    def __init__(
        self,
        prepare: Callable[[CodeType], CodeType],
        config: Callable[[], BreakpointConfig],
        executing: Callable[[CodeType], object] | None = None,
    ) -> None:
        self.prepare = prepare
        self.config = config
        self.executing = executing
        self._finder: _Finder | None = None

    def install(self) -> None:
        if self._finder is not None:
            return
        _Active.hooks = self
        self._finder = _Finder()
        sys.meta_path.insert(0, self._finder)
        _install_audit_hook()

    def uninstall(self) -> None:
        if _Active.hooks is self:
            _Active.hooks = None
        if self._finder is not None and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        self._finder = None


class _Active:
    hooks: CodeHooks | None = None
    audit_hook = False  # an audit hook cannot be removed: one per process, idle while no hooks are active


_OWN_PACKAGE = __name__.split(".")[0] + "."  # "dapper_tui.": the debugger's own code


def _install_audit_hook() -> None:
    if _Active.audit_hook:
        return
    try:
        sys.addaudithook(_audit)
    except (
        RuntimeError
    ):  # another audit hook refused it: breakpoints in modules our finder misses do not stop
        return
    _Active.audit_hook = True


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """`exec` of a code object (a module body, whoever loads it): the code of a file with breakpoints goes to
    `CodeHooks.executing` before it runs."""
    if event != "exec":
        return
    hooks = _Active.hooks
    if hooks is None or hooks.executing is None:
        return
    code = args[0]
    if type(code) is not CodeType:
        return
    config = hooks.config()
    if config.empty:
        return
    if not config.names and (code.co_filename[:1] == "<" or canonical(code.co_filename) not in config.lines):
        return
    caller = sys._getframe(1)  # the frame that called exec (exec itself is C)
    if str(caller.f_globals.get("__name__", "")).startswith(_OWN_PACKAGE):
        return  # the debugger's own exec: the launched script (prepared already), a hot reload's new code
    hooks.executing(code)


def _prepare(code: CodeType) -> CodeType:
    hooks = _Active.hooks
    if hooks is None:
        return code
    return hooks.prepare(code)


class _PreparingSourceFileLoader(importlib.machinery.SourceFileLoader):
    """A SourceFileLoader whose code goes through `prepare` before the module runs (not into the .pyc)."""

    def get_code(self, fullname: str) -> CodeType | None:
        code = super().get_code(fullname)
        return _prepare(code) if code is not None else code


class _Finder:
    """First on sys.meta_path. For a module that may hold breakpoints, the spec the path finder finds gets the
    preparing loader; every other import is left to the usual finders untouched."""

    def __init__(self) -> None:
        self._local = threading.local()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        hooks = _Active.hooks
        if hooks is None or getattr(self._local, "busy", False):
            return None
        config = hooks.config()
        if config.empty or not config.may_hold(fullname):
            return None
        self._local.busy = True
        try:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        finally:
            self._local.busy = False
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return None
        if not config.names and canonical(spec.origin or "") not in config.lines:
            return None
        spec.loader.__class__ = _PreparingSourceFileLoader
        return spec
