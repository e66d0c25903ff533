"""One hot reload of one source file, as a transaction: resolve, compile, apply, patch, commit or roll back."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import enum
import gc
import importlib.machinery
import inspect
import linecache
import os
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from types import CodeType, FrameType, FunctionType, ModuleType
from typing import Any

from . import _frames, _pycache, _sources, _telemetry
from ._diff import (
    Diff,
    Item,
    diff_items,
    future_flags,
    items_of,
    iter_codes,
    remap_lines,
    strip_decorators,
)
from ._index import INDEX
from ._journal import Journal
from ._types import ReloadOptions, ReloadResult

_LOCK = threading.RLock()
_ITEMS: dict[str, tuple[str, list[Item]]] = {}  # real path -> (last applied text, its items): no re-parse
_MISSING: Any = object()
_GEN_FLAGS = (
    inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE
)
_CLASS_SKIP = frozenset({"__module__", "__qualname__", "__classcell__", "__dict__", "__weakref__"})
_EXT_SUFFIXES = tuple(
    sorted({*importlib.machinery.EXTENSION_SUFFIXES, ".so", ".pyd", ".dylib", ".dll", ".sl"})
)
_BINARY_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_ASSIGN_LIKE = (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)
_AMBIGUOUS: Any = object()
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


class Rejected(Exception):
    def __init__(self, error: str, hint: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.hint = hint


class _CompileError(Exception):
    def __init__(self, exc: SyntaxError) -> None:
        super().__init__(str(exc))
        self.exc = exc


@dataclasses.dataclass
class Target:
    name: str
    ns: dict[str, Any]
    module: ModuleType | None

    @property
    def is_main(self) -> bool:
        return self.ns.get("__name__") == "__main__"


def _not_loaded(name: str) -> Rejected:
    return Rejected(
        f"{name} is not loaded in this debug session, so there is nothing to reload",
        "Only modules the program has imported (or the script itself) can be reloaded; "
        "the new code is used the next time it is imported.",
    )


def _syntax_message(exc: SyntaxError, path: str) -> str:
    where = f"line {exc.lineno}" if exc.lineno else "an unknown line"
    if exc.offset:
        where += f", column {exc.offset}"
    text = f": {exc.text.strip()}" if exc.text and exc.text.strip() else ""
    return f"SyntaxError in {os.path.basename(path)} at {where}: {exc.msg}{text}"


def same_code(a: CodeType, b: CodeType) -> bool:
    """Equal apart from line and column positions."""
    if a is b:
        return True
    if (
        a.co_code != b.co_code
        or a.co_names != b.co_names
        or a.co_varnames != b.co_varnames
        or a.co_freevars != b.co_freevars
        or a.co_cellvars != b.co_cellvars
        or a.co_flags != b.co_flags
        or a.co_argcount != b.co_argcount
        or a.co_kwonlyargcount != b.co_kwonlyargcount
        or a.co_posonlyargcount != b.co_posonlyargcount
        or len(a.co_consts) != len(b.co_consts)
    ):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if type(x) is not type(y):
            return False
        if type(x) is CodeType:
            if not same_code(x, y):
                return False
        else:
            try:
                if x != y:
                    return False
            except Exception:
                return False
    return True


def _real_file(module: object) -> str | None:
    try:
        d = vars(module)
    except TypeError:
        return None
    file = d.get("__file__")
    return file if isinstance(file, str) else None


# --- step 1: resolve ----------------------------------------------------------------------------------------


def _looks_binary(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head.startswith(_BINARY_MAGIC)


def resolve(path: str | Path, frames: Sequence[FrameType] = ()) -> tuple[str, list[Target]]:
    """The real path and the loaded module namespaces of a file, or Rejected with the reason."""
    given = os.path.abspath(os.fspath(path))
    real = _sources.realpath(given)
    name = os.path.basename(given)
    if given.endswith(_EXT_SUFFIXES) or real.endswith(_EXT_SUFFIXES) or _looks_binary(real):
        raise Rejected(
            f"{name} is a C extension module: compiled code cannot be hot reloaded",
            "Rebuild the extension and restart the debug session.",
        )
    if not (real.endswith((".py", ".pyw")) or given.endswith((".py", ".pyw"))):
        raise Rejected(
            f"{name} is not a Python source file (.py): only Python modules can be hot reloaded",
            "Reload the .py file of the module you edited.",
        )
    targets: list[Target] = []
    seen: set[int] = set()
    for key, module in list(sys.modules.items()):
        file = _real_file(module)
        if file is None or _sources.realpath(file) != real or id(vars(module)) in seen:
            continue
        loader = vars(module).get("__loader__")
        if isinstance(loader, importlib.machinery.ExtensionFileLoader) or file.endswith(_EXT_SUFFIXES):
            raise Rejected(
                f"module {key} is a C extension ({os.path.basename(file)}): it cannot be hot reloaded",
                "Rebuild the extension and restart the debug session.",
            )
        seen.add(id(vars(module)))
        targets.append(Target(vars(module).get("__name__", key), vars(module), module))
    for frame in _frames.walk(frames):
        g = frame.f_globals
        file = g.get("__file__")
        if id(g) not in seen and isinstance(file, str) and _sources.realpath(file) == real:
            seen.add(id(g))
            targets.append(Target(g.get("__name__", "__main__"), g, None))
    if not targets:
        ext = _extension_twin(real)
        if ext:
            raise Rejected(
                f"module {ext[0]} is loaded from the C extension {os.path.basename(ext[1])}, not from "
                f"{name}: compiled code cannot be hot reloaded",
                "Rebuild the extension from this source and restart the debug session.",
            )
        raise _not_loaded(name)
    targets.sort(key=lambda t: not t.is_main)
    if not os.path.exists(real):
        raise Rejected(
            f"{name} was deleted (or moved): there is no source to reload from",
            "Restore the file, or restart the session if it was moved on purpose.",
        )
    return real, targets


def _extension_twin(real: str) -> tuple[str, str] | None:
    """A loaded extension module built from this source (``mod.py`` beside ``mod.cpython-3xx-*.so``)."""
    folder, base = os.path.split(real)
    stem = base.rsplit(".", 1)[0]
    for key, module in list(sys.modules.items()):
        file = _real_file(module)
        if not file or not file.endswith(_EXT_SUFFIXES):
            continue
        f_real = _sources.realpath(file)
        f_folder, f_base = os.path.split(f_real)
        if f_folder == folder and f_base.split(".", 1)[0] == stem:
            return key, f_real
    return None


# --- the transaction ----------------------------------------------------------------------------------------


class Transaction:
    def __init__(
        self,
        path: str | Path,
        options: ReloadOptions,
        frames: Sequence[FrameType],
        result: ReloadResult,
        allow: Callable[[str], bool] | None = None,
    ) -> None:
        self.path = path
        self.allow = allow
        self.opts = options
        self.frames = list(frames)
        self.result = result
        self.journal = Journal()
        self.snapshots: list[tuple[dict, dict]] = []
        self.replaced: dict[int, tuple[Any, Any]] = {}  # id(old) -> (old, new): objects that were replaced
        self.rebuilds: list[tuple[type, type]] = []
        self.discarded: dict[int, Any] = {}  # module mode: id(new object thrown away) -> old object kept
        self.done: set[int] = set()  # functions already brought up to date
        self.patched_fns: set[int] = set()
        self.patched_classes: set[int] = set()
        self.to_mark: list[CodeType] = []
        self.new_codes: dict[str, list[CodeType]] = defaultdict(list)
        self.gen_warned: set[str] = set()
        self.rebuilt_prefixes: list[str] = []
        self.old_text: str | None = None
        self.old_items: list[Item] | None = None
        self.old_flags: int | None = None
        self.line_map: dict[int, int | None] | None = None  # old line -> new line (None: deleted)
        self._starts: dict[int, list[int]] = {}  # id(list of items) -> their first lines, for bisect
        self._sites: dict[str, Counter[str]] = {}  # "old"/"new" -> how many definitions each qualname has

    # -- helpers --

    def warn(self, message: str) -> None:
        if message not in self.result.warnings:
            self.result.warnings.append(message)

    def _note(self, bucket: list[str], name: str) -> None:
        if name not in bucket:
            bucket.append(name)

    def _innermost(self, items: list[Item], line: int) -> Item | None:
        """The innermost item (a top-level statement, or a statement of a class body) holding ``line``."""
        starts = self._starts.get(id(items))
        if starts is None:
            starts = self._starts[id(items)] = [it.lineno for it in items]
        i = bisect.bisect_right(starts, line) - 1
        if i < 0 or line > items[i].end_lineno:
            return None
        it = items[i]
        if it.body:
            return self._innermost(it.body, line) or it
        return it

    def identical(self, old: CodeType, new: CodeType) -> bool:
        """Is ``old`` the code ``new`` is, plus a debugger's breakpoint hooks (the 3.11 bytecode backend puts
        them into the code objects)? It is when it carries injected callables and was compiled from the very
        source ``new`` was: the same statement text on the same lines, with the same ``__future__`` flags."""
        if (
            self.old_items is None
            or self.old_flags != self.flags
            or old.co_qualname != new.co_qualname
            or old.co_firstlineno != new.co_firstlineno
            or not _injected(old)
        ):
            return False
        a = self._innermost(self.old_items, old.co_firstlineno)
        b = self._innermost(self.new_items, new.co_firstlineno)
        return a is not None and b is not None and a.positions() == b.positions() and a.text == b.text

    def _same_statement(self, old_line: int, new_line: int) -> bool:
        """Are these lines in the same statement, before and after the edit (what it defines or binds)? The
        line map only estimates where a line of an edited block went."""
        if self.old_items is None:
            return True
        a = self._innermost(self.old_items, old_line)
        b = self._innermost(self.new_items, new_line)
        if a is None or b is None:
            return a is b
        return a.kind == b.kind and a.name == b.name and a.binds == b.binds

    def _kept_statement(self, old: CodeType) -> bool:
        """Is the statement that created ``old`` still in the new source, word for word (maybe moved)?"""
        if self.old_items is None:
            return False
        a = self._innermost(self.old_items, old.co_firstlineno)
        if a is None:
            return False
        texts = self._sites.get("texts")
        if texts is None:
            texts = self._sites["texts"] = Counter(_all_texts(self.new_items))
        return a.text in texts

    def _unique(self, qual: str, live: list[FunctionType]) -> bool:
        """Does exactly one definition make functions named ``qual``, in the old source and in the new?"""
        new = self._sites.get("new")
        if new is None:
            new = self._sites["new"] = qualname_counts(self.new_tree.body)
        if new[qual] != 1:
            return False
        if self.old_items is None:  # the old source is unknown: the live functions must share one origin
            return len({f.__code__.co_firstlineno for f in live}) == 1
        old = self._sites.get("old")
        if old is None:
            old = self._sites["old"] = qualname_counts([i.node for i in self.old_items])
        return old[qual] == 1

    def compile_nodes(self, nodes: list[ast.stmt]) -> CodeType:
        module = ast.Module(body=nodes, type_ignores=[])
        try:
            code = compile(module, self.filename, "exec", flags=self.flags, dont_inherit=True)
        except SyntaxError as exc:
            raise _CompileError(exc) from exc
        self._collect(code)
        return code

    def _collect(self, code: CodeType) -> None:
        for c in iter_codes(code):
            if c.co_flags & inspect.CO_OPTIMIZED:
                self.new_codes[c.co_qualname].append(c)

    def _mine(self, fn: object) -> bool:
        return type(fn) is FunctionType and _sources.realpath(fn.__code__.co_filename) == self.real

    def unwrap_to(self, obj: Any, qualname: str) -> FunctionType | None:
        """The function defined as ``qualname`` in this file, found through decorators' wrappers."""
        seen: set[int] = set()
        todo = [obj]
        while todo and len(seen) < 64:
            o = todo.pop(0)
            if id(o) in seen:
                continue
            seen.add(id(o))
            if type(o) is FunctionType:
                if o.__code__.co_qualname == qualname and self._mine(o):
                    return o
                for cell in o.__closure__ or ():
                    try:
                        todo.append(cell.cell_contents)
                    except ValueError:
                        pass
            if isinstance(o, (classmethod, staticmethod)):
                todo.append(o.__func__)
            try:
                wrapped = getattr(o, "__wrapped__", None)
            except Exception:
                wrapped = None
            if wrapped is not None:
                todo.append(wrapped)
            func = getattr(o, "__func__", None) if not isinstance(o, type) else None
            if func is not None:
                todo.append(func)
        return None

    def update_function(
        self, old: FunctionType, new: FunctionType | None, *, code: CodeType | None = None
    ) -> bool:
        """Bring ``old`` up to date in place (code, defaults, annotations, doc); False if it cannot be."""
        if new is not None and old is new:
            return True
        new_code = new.__code__ if new is not None else code
        assert new_code is not None
        old_code = old.__code__
        qual = old_code.co_qualname
        self.done.add(id(old))
        if old_code.co_freevars != new_code.co_freevars:
            self.warn(
                f"{qual}: its free variables changed {old_code.co_freevars} -> {new_code.co_freevars}; "
                "references to it made before the reload keep the old code (new definitions use the new)"
            )
            return False
        attrs: dict[str, Any] = {}
        if old_code is not new_code and old_code != new_code and not self.identical(old_code, new_code):
            attrs["__code__"] = new_code
        if new is not None:
            for name in ("__defaults__", "__kwdefaults__", "__doc__"):
                a, b = getattr(old, name), getattr(new, name)
                if a is not b:
                    try:
                        equal = type(a) is type(b) and bool(a == b)
                    except Exception:
                        equal = False
                    if not equal:
                        attrs[name] = b
            if old.__annotations__ != new.__annotations__:
                attrs["__annotations__"] = dict(new.__annotations__)
        if not attrs:
            return True
        self.journal.set_function(old, **attrs)
        self.patched_fns.add(id(old))
        if "__code__" in attrs:
            self.to_mark.append(old_code)
            if (
                new_code.co_flags & _GEN_FLAGS
                and not same_code(old_code, new_code)
                and qual not in self.gen_warned
            ):
                self.gen_warned.add(qual)
                kind = "coroutine" if new_code.co_flags & inspect.CO_COROUTINE else "generator"
                self.warn(
                    f"{qual}: {kind}s already started keep running the old code until they finish; "
                    "new calls use the new code"
                )
        return True

    # -- the steps --

    def run(self) -> None:
        r = self.result
        self.real, self.targets = resolve(self.path, self.frames)
        if self.allow is not None and not self.allow(self.real):
            # loaded in this process, but not one of the program's own sources (the standard library, a
            # site-packages module, the debugger itself): never patch those
            raise _not_loaded(os.path.basename(self.real))
        r.reloadedPath = self.real
        r.reloadedModule = self.targets[0].name
        r.modules = [t.name for t in self.targets]
        first_file = self.targets[0].ns.get("__file__")
        self.filename = first_file if isinstance(first_file, str) and os.path.isabs(first_file) else self.real
        try:
            self.new_text = _sources.read_text(self.real)
        except (OSError, UnicodeDecodeError) as exc:
            raise Rejected(
                f"{os.path.basename(self.real)} cannot be read: {exc}",
                "Check that the file exists and is readable, then reload again.",
            ) from exc
        except SyntaxError as exc:  # a bad encoding cookie
            raise Rejected(
                _syntax_message(exc, self.real), "Fix the encoding declaration and save again."
            ) from exc
        try:
            self.new_tree = ast.parse(self.new_text, self.filename)
        except SyntaxError as exc:
            raise Rejected(
                _syntax_message(exc, self.real),
                "Fix the syntax error and save again; the old code keeps running.",
            ) from exc
        self.flags = future_flags(self.new_tree)
        self.new_items = items_of(self.new_tree.body, self.new_text.split("\n"))
        filenames = {t.ns.get("__file__") for t in self.targets} - {None}
        self.old_text, _origin = _sources.previous_source(self.real, filenames)  # type: ignore[arg-type]
        if self.old_text is not None:
            try:
                cached = _ITEMS.get(self.real)
                if cached is not None and cached[0] == self.old_text:
                    self.old_items = cached[1]
                else:
                    self.old_items = items_of(
                        ast.parse(self.old_text, self.filename).body, self.old_text.split("\n")
                    )
            except SyntaxError:
                self.old_text, self.old_items = None, None
        if self.old_items is not None:
            self.old_flags = future_flags(ast.Module(body=[i.node for i in self.old_items], type_ignores=[]))
        if self.old_text is not None:
            n = self.old_text.count("\n") + (0 if self.old_text.endswith("\n") else 1)
            self.line_map = remap_lines(self.old_text, self.new_text, range(1, n + 1))
        module_mode = self.opts.mode == "module"
        if module_mode and self.targets[0].is_main:
            # Re-running the script being debugged would run its program again (its top level, its loops, its
            # side effects): __main__ is always reloaded by definition, as in diff mode.
            self.warn(
                "module mode does not re-run __main__ (the script being debugged): its definitions and edited "
                "assignments were updated as in diff mode; its other top-level statements and its "
                '`if __name__ == "__main__":` block were not re-run'
            )
        if self.old_items is None and (not module_mode or self.targets[0].is_main):
            self.warn(
                "the previous source of this module was not recorded (call track_sources() before the "
                "program runs): definitions were compared by their code, and top-level statements were "
                "only run for names the module does not have yet (edited constants keep their values)"
            )
        self.full_code: CodeType | None = None
        if module_mode and not all(t.is_main for t in self.targets):
            self.full_code = self._compile_module()
        INDEX.ensure(self.real)
        for t in self.targets:
            INDEX.add_namespace(self.real, t.ns)

        try:
            with _sources.reloading(self.real):
                for t in self.targets:
                    self.snapshots.append((t.ns, dict(t.ns)))
                    if module_mode and not t.is_main:
                        self.apply_module(t)
                    else:
                        self.apply_diff(t)
                    self.patch_indexed(t)
                self.migrate()
                self.commit()  # inside: a failure while committing rolls back too
        except BaseException as exc:
            problems = self.journal.rollback()
            for ns, snap in reversed(self.snapshots):
                ns.clear()
                ns.update(snap)
            # nothing was applied: what the warnings and the line map said about it is void
            self.result.warnings.clear()
            self.result.line_map = {}
            if isinstance(exc, _CompileError):
                raise Rejected(
                    _syntax_message(exc.exc, self.real),
                    "Fix the syntax error and save again; the old code keeps running.",
                ) from exc
            if not isinstance(exc, Exception):
                raise
            line = self._error_line(exc)
            who = "the module raised" if line else "the reload failed with"
            msg = (
                f"{who} {type(exc).__name__}: {exc}"
                + (f" (line {line})" if line else "")
                + "; the reload was rolled back and the old code keeps running"
            )
            if problems:
                msg += f" (could not undo: {'; '.join(problems)})"
            hint = (
                "Fix the error in the module's top-level code and save again."
                if line
                else "The old code keeps running; reload again, or restart the session if it keeps failing."
            )
            raise Rejected(msg, hint) from exc

    def _compile_module(self) -> CodeType:
        """The whole module, for the targets that are not ``__main__`` (which is never re-run)."""
        try:
            code = compile(self.new_tree, self.filename, "exec", flags=self.flags, dont_inherit=True)
        except SyntaxError as exc:
            raise Rejected(
                _syntax_message(exc, self.real),
                "Fix the syntax error and save again; the old code keeps running.",
            ) from exc
        self._collect(code)
        return code

    def _error_line(self, exc: BaseException) -> int | None:
        line = None
        for fs in traceback.extract_tb(exc.__traceback__):
            if _sources.realpath(fs.filename) == self.real:
                line = fs.lineno
        return line

    # -- mode "diff" --

    def apply_diff(self, t: Target) -> None:
        r, ns = self.result, t.ns
        old_items = self.old_items
        d = diff_items(old_items, self.new_items) if old_items is not None else None
        old_bound: set[str] = set()
        for it in old_items or ():
            old_bound |= it.binds
        for index, it in enumerate(self.new_items):
            if it.kind == "main":
                if d is not None and id(it.node) in d.changed_stmts:
                    self.warn(
                        f'line {it.lineno}: the `if __name__ == "__main__":` block changed; it is not re-run'
                    )
                continue
            if it.kind == "def":
                self.apply_def(t, it, d)
                continue
            if it.kind == "class":
                self.apply_class(t, it, d)
                continue
            if d is None:
                if not it.binds or all(name in ns for name in it.binds):
                    continue
            elif id(it.node) not in d.changed_stmts:
                continue
            node = it.node
            if (
                index == 0
                and isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                ns["__doc__"] = node.value.value
                continue
            if t.is_main and not isinstance(node, _ASSIGN_LIKE):
                self.warn(
                    f"line {it.lineno}: an edited top-level statement of the __main__ script is not re-run "
                    "(only definitions, assignments and imports are applied)"
                )
                continue
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            exec(self.compile_nodes([node]), ns)
            for name in sorted(it.binds):
                self._note(r.changed if name in old_bound else r.added, name)
        if d is not None:
            for name in d.removed_names:
                if name in ns:
                    value = ns.pop(name)
                    self._note(r.removed, name)
                    if isinstance(value, type) or type(value) is FunctionType:
                        self.replaced.setdefault(id(value), (value, None))

    def _unchanged(self, old: Item | None, new: Item) -> bool:
        return (
            old is not None and old.kind == new.kind and old.positions() == new.positions() and old.same(new)
        )

    def apply_def(self, t: Target, it: Item, d: Diff | None) -> None:
        r, ns, name = self.result, t.ns, it.name
        assert name is not None
        old_it = d.old_defs.get(name) if d is not None else None
        if d is not None and self._unchanged(old_it, it):
            return
        live = ns.get(name, _MISSING)
        old_fn = self.unwrap_to(live, name) if live is not _MISSING else None
        recreate = old_fn is None or (
            d is not None and (old_it is None or old_it.kind != "def" or old_it.header != it.header)
        )
        if recreate:
            exec(self.compile_nodes([it.node]), ns)
            new = ns.get(name)
            if live is _MISSING or (d is not None and old_it is None):
                self._note(r.added, name)
                return
            self._note(r.changed, name)
            if live is not new:
                self.replaced[id(live)] = (live, new)
            new_fn = self.unwrap_to(new, name)
            if old_fn is not None and new_fn is not None:
                self.update_function(old_fn, new_fn)
            return
        scratch: dict[str, Any] = {}
        exec(self.compile_nodes([strip_decorators(it.node)]), ns, scratch)
        new_fn = scratch[name]
        assert old_fn is not None
        if not self.update_function(old_fn, new_fn):
            ns[name] = new_fn if live is old_fn else live
            if live is old_fn:
                self.replaced[id(live)] = (live, new_fn)
        edited = (
            (not old_it.same(it)) if old_it is not None else not same_code(old_fn.__code__, new_fn.__code__)
        )
        if d is None and id(old_fn) in self.patched_fns:
            edited = edited or old_fn.__code__ is new_fn.__code__
        if edited:
            self._note(r.changed, name)

    def _needs_rebuild(self, live: type, old_it: Item | None, it: Item) -> bool:
        if old_it is not None and old_it.header != it.header:
            return True
        special = (
            bool(it.node.decorator_list)
            or type(live) is not type
            or "__slots__" in vars(live)
            or issubclass(live, tuple)
        )  # type: ignore[union-attr]
        if not special:
            return False
        if old_it is not None and old_it.body is not None and it.body is not None:
            if sorted(i.text for i in old_it.body if i.kind == "stmt") == sorted(
                i.text for i in it.body if i.kind == "stmt"
            ):
                return False
            old_stmts = sorted(i.key for i in old_it.body if i.kind == "stmt")
            new_stmts = sorted(i.key for i in it.body if i.kind == "stmt")
            return old_stmts != new_stmts
        fields = getattr(live, "__dataclass_fields__", None)
        if fields is not None:
            names = {
                n.target.id
                for n in it.node.body  # type: ignore[attr-defined]
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            }
            return names != set(fields)
        return False

    def apply_class(self, t: Target, it: Item, d: Diff | None) -> None:
        r, ns, name = self.result, t.ns, it.name
        assert name is not None
        old_it = d.old_defs.get(name) if d is not None else None
        if d is not None and self._unchanged(old_it, it):
            return
        live = ns.get(name, _MISSING)
        is_cls = (
            isinstance(live, type) and live.__module__ == ns.get("__name__") and live.__qualname__ == name
        )
        if not is_cls or (d is not None and (old_it is None or old_it.kind != "class")):
            exec(self.compile_nodes([it.node]), ns)
            if live is _MISSING or not is_cls:
                self._note(r.added if live is _MISSING or old_it is None else r.changed, name)
            else:
                self._note(r.changed, name)
                self.replaced[id(live)] = (live, ns[name])
            return
        if self._needs_rebuild(live, old_it, it):
            exec(self.compile_nodes([it.node]), ns)
            new = ns[name]
            self.rebuilds.append((live, new))
            self.replaced[id(live)] = (live, new)
            self.rebuilt_prefixes.append(name + ".")
            self.patched_classes.add(id(live))
            self._note(r.changed, name)
            return
        body = self.class_body(it.node, ns)
        self.patch_class(live, body, old_it.body if old_it else None, it.body or [], name, ns)

    def class_body(self, node: ast.ClassDef, ns: dict[str, Any]) -> dict[str, Any]:
        """The namespace of a class body, run without creating the class (no metaclass, no __init_subclass__)."""
        stripped = strip_decorators(node)
        code = self.compile_nodes([stripped])
        body_code = next((c for c in code.co_consts if type(c) is CodeType and c.co_name == node.name), None)
        body: dict[str, Any] = {}
        if body_code is not None and not body_code.co_freevars:
            exec(body_code, ns, body)
            return body
        scratch: dict[str, Any] = {}  # generic classes (PEP 695): create a throwaway class
        exec(code, ns, scratch)
        return dict(vars(scratch[node.name]))

    def patch_class(
        self,
        cls: type,
        body: dict[str, Any],
        old_body: list[Item] | None,
        new_body: list[Item],
        qual: str,
        ns: dict[str, Any],
    ) -> None:
        r = self.result
        cell = body.get("__classcell__")
        if cell is not None:
            cell.cell_contents = cls
        self._fix_class_cells(body, cls)
        bd = diff_items(old_body, new_body) if old_body is not None else None
        touched: list[str] = []
        before = len(self.journal) + len(self.patched_fns)
        for index, it in enumerate(new_body):
            if it.kind in ("def", "class"):
                old_it = bd.old_defs.get(it.name or "") if bd is not None else None
                if bd is not None and self._unchanged(old_it, it):
                    continue
                touched.append(it.name or "")
                if bd is not None:
                    if old_it is None:
                        self._note(r.added, f"{qual}.{it.name}")
                    elif not old_it.same(it):
                        self._note(r.changed, f"{qual}.{it.name}")
            elif bd is None:
                if index == 0 and it.binds == frozenset():
                    touched.append("__doc__")
                touched.extend(n for n in it.binds if n not in vars(cls))
            elif id(it.node) in bd.changed_stmts:
                if index == 0 and not it.binds:
                    touched.append("__doc__")
                if isinstance(it.node, ast.AnnAssign):
                    touched.append("__annotations__")
                for n in sorted(it.binds):
                    touched.append(n)
                    self._note(r.changed, f"{qual}.{n}")
        for extra in ("__firstlineno__", "__static_attributes__"):
            if extra in body:
                touched.append(extra)
        for name in dict.fromkeys(touched):
            if name in _CLASS_SKIP:
                continue
            if name == "__doc__":
                new_doc = body.get("__doc__")
                if cls.__doc__ != new_doc:
                    self.journal.setattr(cls, "__doc__", new_doc)
                continue
            new_val = body.get(name, _MISSING)
            if new_val is _MISSING:
                continue
            old_val = vars(cls).get(name, _MISSING)
            self.patch_member(cls, name, old_val, new_val, f"{qual}.{name}", ns)
            if bd is None and old_val is not _MISSING and id(old_val) in self.patched_fns:
                fn = old_val
                if type(fn) is FunctionType and not same_code(fn.__code__, self.journal_old_code(fn)):
                    self._note(r.changed, f"{qual}.{name}")
        if bd is not None:
            for name in bd.removed_names:
                if name in vars(cls) and name not in _CLASS_SKIP:
                    self.journal.delattr(cls, name)
                    self._note(r.removed, f"{qual}.{name}")
        if len(self.journal) + len(self.patched_fns) != before:
            self.patched_classes.add(id(cls))

    def journal_old_code(self, fn: FunctionType) -> CodeType:
        for code in self.to_mark:
            if code.co_qualname == fn.__code__.co_qualname:
                return code
        return fn.__code__

    def _fix_class_cells(self, body: dict[str, Any], cls: type) -> None:
        """Functions built for ``cls`` from a throwaway body/class must see ``cls`` as ``__class__``."""
        for value in body.values():
            funcs = []
            if type(value) is FunctionType:
                funcs.append(value)
            elif isinstance(value, (classmethod, staticmethod)):
                funcs.append(value.__func__)
            elif isinstance(value, property):
                funcs.extend(f for f in (value.fget, value.fset, value.fdel) if f is not None)
            for f in funcs:
                if type(f) is FunctionType and "__class__" in f.__code__.co_freevars and f.__closure__:
                    c = f.__closure__[f.__code__.co_freevars.index("__class__")]
                    try:
                        current = c.cell_contents
                    except ValueError:
                        current = None
                    if current is not cls:
                        c.cell_contents = cls

    def patch_member(
        self, cls: type, name: str, old_val: Any, new_val: Any, qual: str, ns: dict[str, Any]
    ) -> None:
        if type(old_val) is FunctionType and type(new_val) is FunctionType:
            if not self.update_function(old_val, new_val):
                self.journal.setattr(cls, name, new_val)
            return
        if (
            type(old_val) is type(new_val)
            and isinstance(old_val, (classmethod, staticmethod))
            and type(old_val.__func__) is FunctionType
            and type(new_val.__func__) is FunctionType
        ):
            if not self.update_function(old_val.__func__, new_val.__func__):
                self.journal.setattr(cls, name, new_val)
            return
        if type(old_val) is property and type(new_val) is property:
            ok = True
            for role in ("fget", "fset", "fdel"):
                a, b = getattr(old_val, role), getattr(new_val, role)
                if (a is None) != (b is None) or (
                    a is not None
                    and not (
                        type(a) is FunctionType and type(b) is FunctionType and self.update_function(a, b)
                    )
                ):
                    ok = False
            if not ok or old_val.__doc__ != new_val.__doc__:
                self.journal.setattr(cls, name, new_val)
            return
        if (
            isinstance(old_val, type)
            and isinstance(new_val, type)
            and old_val.__module__ == ns.get("__name__")
        ):
            same_header = old_val.__bases__ == new_val.__bases__ and type(old_val) is type(new_val)
            if same_header and not hasattr(old_val, "__dataclass_fields__"):
                inner = {k: v for k, v in vars(new_val).items()}
                self._fix_class_cells(inner, old_val)
                for k, v in inner.items():
                    if k in _CLASS_SKIP:
                        continue
                    self.patch_member(old_val, k, vars(old_val).get(k, _MISSING), v, f"{qual}.{k}", ns)
                self.patched_classes.add(id(old_val))
                return
            self.journal.setattr(cls, name, new_val)
            self.rebuilds.append((old_val, new_val))
            self.replaced[id(old_val)] = (old_val, new_val)
            self.rebuilt_prefixes.append(old_val.__qualname__ + ".")
            return
        self.journal.setattr(cls, name, new_val)
        self.done.update(id(f) for f in _functions_of(new_val))

    # -- mode "module" --

    def apply_module(self, t: Target) -> None:
        r, ns = self.result, t.ns
        before = dict(ns)
        assert self.full_code is not None
        exec(self.full_code, ns)
        old_by_name = {it.name: it for it in self.old_items or () if it.name}
        new_by_name = {it.name: it for it in self.new_items if it.name}
        for name, new in list(ns.items()):
            old = before.get(name, _MISSING)
            if old is new:
                continue
            it = new_by_name.get(name)
            old_it = old_by_name.get(name)
            if old is _MISSING:
                if it is not None:
                    self._note(r.added, name)
                continue
            if (
                type(old) is FunctionType
                and type(new) is FunctionType
                and self._mine(old)
                and self._mine(new)
                and old.__code__.co_qualname == new.__code__.co_qualname
            ):
                if old_it is not None and it is not None and self.old_flags == self.flags:
                    # the source tells: the code of an unchanged definition may still differ (a debugger's
                    # breakpoint hooks in it), and that is not an edit
                    edited = not old_it.same(it)
                else:
                    edited = not same_code(old.__code__, new.__code__) or (
                        old_it is not None and it is not None and not old_it.same(it)
                    )
                if self.update_function(old, new):
                    ns[name] = old
                    self.discarded[id(new)] = old
                else:
                    self.replaced[id(old)] = (old, new)
                if edited:
                    self._note(r.changed, name)
                continue
            if (
                isinstance(old, type)
                and isinstance(new, type)
                and old.__module__ == new.__module__ == ns.get("__name__")
                and old.__qualname__ == new.__qualname__
            ):
                rebuild = (it is not None and self._needs_rebuild(old, old_it, it)) or (
                    old_it is None
                    and tuple(b.__qualname__ for b in old.__bases__)
                    != tuple(b.__qualname__ for b in new.__bases__)
                )
                if rebuild:
                    self.rebuilds.append((old, new))
                    self.replaced[id(old)] = (old, new)
                    self.rebuilt_prefixes.append(name + ".")
                    self.patched_classes.add(id(old))
                    self._note(r.changed, name)
                else:
                    body = dict(vars(new))
                    self.patch_class(
                        old,
                        body,
                        old_it.body if old_it else None,
                        it.body if it and it.body else [],
                        name,
                        ns,
                    )
                    if old_it is None and id(old) in self.patched_classes:
                        self._note(r.changed, name)
                    ns[name] = old
                    self.discarded[id(new)] = old
                continue
            if it is not None:
                old_fn, new_fn = self.unwrap_to(old, name), self.unwrap_to(new, name)
                if old_fn is not None and new_fn is not None:
                    self.update_function(old_fn, new_fn)
                if old_it is None or not old_it.same(it):
                    self._note(r.changed, name)
                self.replaced[id(old)] = (old, new)
            elif old_it is not None or any(name in i.binds for i in self.new_items if i.kind == "stmt"):
                stmt_changed = True
                if self.old_items is not None:
                    olds = sorted(i.key for i in self.old_items if name in i.binds)
                    news = sorted(i.key for i in self.new_items if name in i.binds)
                    stmt_changed = olds != news
                if stmt_changed:
                    self._note(r.changed, name)
        new_bound: set[str] = set()
        for it in self.new_items:
            new_bound |= it.binds
        for it in self.old_items or ():
            for name in it.binds:
                if name not in new_bound and name in ns:
                    ns.pop(name)
                    self._note(r.removed, name)
        # classes rebuilt by the re-run may name as their bases classes we then kept by identity
        for _old, new in self.rebuilds:
            if any(id(b) in self.discarded for b in new.__bases__):
                self.journal.set_bases(new, tuple(self.discarded.get(id(b), b) for b in new.__bases__))

    # -- functions not reachable from the namespace: closures, nested functions, wrapped originals --

    def patch_indexed(self, t: Target) -> None:
        """Functions made by the statements that were run again, found through the code index.

        Each live function is paired with the new code of the definition that made it: the old code's first
        line, through the line map, is where that definition is now. A name alone pairs only when one
        definition has it, in the old source and in the new: every module-level lambda is ``<lambda>``."""
        others = {id(o.ns) for o in self.targets if o is not t}
        for qual, codes in self.new_codes.items():
            if any(qual.startswith(p) for p in self.rebuilt_prefixes):
                continue
            fresh = {id(c) for c in codes}
            live = [
                f
                for f in INDEX.live(self.real, qual)
                if id(f) not in self.done and id(f.__code__) not in fresh and id(f.__globals__) not in others
            ]
            if not live:
                continue
            codes = sorted({id(c): c for c in codes}.values(), key=lambda c: c.co_firstlineno)
            unmatched = 0
            for f in live:
                new_code = self._new_code_of(f.__code__, qual, codes, live)
                if new_code is _AMBIGUOUS:
                    unmatched += 1
                elif new_code is not None:
                    self.update_function(f, None, code=new_code)
            if unmatched:
                self.warn(
                    f"{qual}: {unmatched} existing function object(s) keep their old code: more than one "
                    "definition has this name, and the one that made them could not be told apart"
                )

    def _new_code_of(self, old: CodeType, qual: str, codes: list[CodeType], live: list[FunctionType]) -> Any:
        """The new code for functions running ``old``; None when their definition was not run again (it is
        unchanged); _AMBIGUOUS when it cannot be told which definition made them."""
        if self.line_map is not None:
            target = self.line_map.get(old.co_firstlineno)
            if target is not None and self._same_statement(old.co_firstlineno, target):
                here = [c for c in codes if c.co_firstlineno == target]
                if len(here) == 1:
                    return here[0]
                if len(here) > 1:  # two lambdas on one line: nothing tells them apart
                    return _AMBIGUOUS
        if len(codes) == 1 and self._unique(qual, live):
            return codes[0]
        if self._kept_statement(old):
            return None  # its statement is still there, word for word, and was not run again
        return _AMBIGUOUS

    # -- rebuilt classes: instances, subclasses, aliases --

    def migrate(self) -> None:
        if not self.rebuilds:
            return
        r = self.result
        new_of = {id(old): new for old, new in self.rebuilds}
        olds = [old for old, _ in self.rebuilds]
        new_ids = {id(new) for _, new in self.rebuilds}
        kept: dict[str, int] = defaultdict(int)
        failed: dict[str, str] = {}
        for obj in gc.get_referrers(*olds):
            cls = type(obj)
            if isinstance(obj, type) or id(cls) not in new_of or cls is not obj.__class__:
                continue
            new = new_of[id(cls)]
            if isinstance(obj, enum.Enum):  # members are singletons: the new enum has its own
                self.warn(
                    f"members of the old enum {cls.__qualname__} held elsewhere stay old members; "
                    f"{cls.__qualname__} now names the new enum"
                )
                continue
            if not self.opts.patchClassInstances:
                kept[cls.__qualname__] += 1
                continue
            try:
                self.journal.set_class(obj, new)
            except TypeError as exc:
                failed[cls.__qualname__] = str(exc)
                continue
            r.patchedInstances += 1
            self._fill_new_fields(obj, cls, new)
        for name, n in kept.items():
            self.warn(f"{n} existing instance(s) of {name} keep the old class (patchClassInstances is off)")
        for name, err in failed.items():
            self.warn(f"instances of {name} could not move to the rebuilt class: {err}")
        for old in olds:
            for sub in old.__subclasses__():
                if id(sub) in new_ids or sub in olds:
                    continue
                try:
                    self.journal.set_bases(sub, tuple(new_of.get(id(b), b) for b in sub.__bases__))
                except TypeError as exc:
                    self.warn(
                        f"subclass {sub.__qualname__} still derives from the old {old.__qualname__}: {exc}"
                    )
        # aliases in other modules (`from mod import A`)
        for module in list(sys.modules.values()):
            try:
                d = vars(module)
            except TypeError:
                continue
            if any(d is t.ns for t in self.targets):
                continue
            for key, value in list(d.items()):
                new = new_of.get(id(value))
                if new is not None and any(value is o for o in olds):
                    self.journal.set_item(d, key, new)

    def _fill_new_fields(self, obj: Any, old: type, new: type) -> None:
        fields = getattr(new, "__dataclass_fields__", None)
        if not fields or not hasattr(obj, "__dict__"):
            return
        state = vars(obj)
        for f in fields.values():
            if f.name in state or getattr(f, "_field_type", None) is not dataclasses._FIELD:  # type: ignore[attr-defined]
                continue
            if f.default is not dataclasses.MISSING:
                value = f.default
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:
                self.warn(
                    f"existing {new.__qualname__} instances have no value for the new field {f.name!r} "
                    "(it has no default)"
                )
                continue
            self.journal.set_item(state, f.name, value)

    # -- commit --

    def _mark_old(self, code: CodeType) -> None:
        marked = _sources.mark_old(code, self.old_text)
        if marked:
            self.journal.on_undo(lambda: _sources.unmark_old(marked))

    def commit(self) -> None:
        """Runs inside the transaction: anything it changes is journaled, so a failure here rolls back too.
        What cannot be undone (the recorded source) comes last."""
        r, opts = self.result, self.opts
        for old in self.to_mark:
            self._mark_old(old)
        r.patchedFunctions = len(self.patched_fns)
        r.patchedClasses = len(self.patched_classes)
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
                    "updateFrameCode: 0 frames updated, because CPython 3.11-3.13 cannot replace the code of a "
                    "frame that is already running (frame.f_code is read-only), so those frames finish on "
                    "their old code and their next calls run the new code"
                )
        if self.rebuilds and not opts.rebindFrameLocals:
            self.warn("rebindFrameLocals is off: frame locals may still hold the old classes")
        # the file: line map, bytecode cache, line cache, index, recorded source
        r.line_map = dict(self.line_map) if self.line_map is not None else {}
        if opts.invalidatePycache:
            for t in self.targets:
                cached = t.ns.get("__cached__")
                _pycache.invalidate(self.real, cached if isinstance(cached, str) else None)
                file = t.ns.get("__file__")
                if isinstance(file, str) and file != self.real:
                    _pycache.invalidate(file)
        for name in {self.real, self.filename, *(t.ns.get("__file__") for t in self.targets)}:
            if isinstance(name, str):
                linecache.cache.pop(name, None)
        if r.added or self.replaced or self.rebuilds:  # new function objects: index them now
            for t in self.targets:
                INDEX.add_namespace(self.real, t.ns)
        _sources.remember_source(self.real, self.new_text)
        _ITEMS[self.real] = (self.new_text, self.new_items)

    def _rebind(self, frame: FrameType, replaced: dict[int, tuple[Any, Any]]) -> None:
        before = _frames.rebind(frame, replaced)
        if before:
            self.result.reboundFrames += 1
            self.journal.on_undo(lambda: _frames.write_locals(frame, before))


_LITERALS = (type(None), bool, int, float, complex, str, bytes, tuple, frozenset, CodeType, type(...))


def _injected(code: CodeType) -> bool:
    """Does this code (or code nested in it) hold constants no compiler makes: callables put in by a tool?"""
    return any(type(c) not in _LITERALS for co in iter_codes(code) for c in co.co_consts)


def _all_texts(items: list[Item]) -> list[str]:
    out = []
    for it in items:
        out.append(it.text)
        if it.body:
            out.extend(_all_texts(it.body))
    return out


_COMPREHENSIONS = {
    ast.GeneratorExp: "<genexpr>",
    ast.ListComp: "<listcomp>",
    ast.SetComp: "<setcomp>",
    ast.DictComp: "<dictcomp>",
}


def qualname_counts(body: list[ast.stmt]) -> Counter[str]:
    """How many definitions (def, lambda, comprehension) of a source give their functions each qualified name,
    as the compiler names them. Comprehensions 3.12 inlines are counted too: more, never fewer."""
    counts: Counter[str] = Counter()

    def visit(node: ast.AST, prefix: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            name = node.name if not isinstance(node, ast.Lambda) else "<lambda>"
            counts[prefix + name] += 1
            args = node.args
            outer: list[ast.AST] = [*getattr(node, "decorator_list", []), *args.defaults]
            outer += [d for d in args.kw_defaults if d is not None]
            if not isinstance(node, ast.Lambda):
                outer += [
                    a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation
                ]
                outer += [a.annotation for a in (args.vararg, args.kwarg) if a is not None and a.annotation]
                if node.returns is not None:
                    outer.append(node.returns)
            for n in outer:
                visit(n, prefix)
            inner = prefix + name + ".<locals>."
            for n in node.body if isinstance(node.body, list) else [node.body]:
                visit(n, inner)
        elif isinstance(node, ast.ClassDef):
            for n in (*node.decorator_list, *node.bases, *node.keywords):
                visit(n, prefix)
            for n in node.body:
                visit(n, prefix + node.name + ".")
        elif type(node) in _COMPREHENSIONS:
            name = _COMPREHENSIONS[type(node)]  # type: ignore[index]
            counts[prefix + name] += 1
            inner = prefix + name + "."  # the compiler adds no "<locals>" under a comprehension
            for field in ("elt", "key", "value"):
                part = getattr(node, field, None)
                if part is not None:
                    visit(part, inner)
            for i, gen in enumerate(node.generators):  # type: ignore[attr-defined]
                visit(gen.iter, prefix if i == 0 else inner)  # the first iterable is evaluated outside
                visit(gen.target, inner)
                for cond in gen.ifs:
                    visit(cond, inner)
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, prefix)

    for stmt in body:
        visit(stmt, "")
    return counts


def _functions_of(value: Any) -> list[FunctionType]:
    if type(value) is FunctionType:
        return [value]
    if isinstance(value, (classmethod, staticmethod)):
        return [value.__func__] if type(value.__func__) is FunctionType else []
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if type(f) is FunctionType]
    return []


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
            Transaction(path, opts, frames, result, allow).run()
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
