"""Patching live objects in place, so every reference sees the new code: functions, classes, class members.

The ``Patcher`` also keeps the record of what one reload changed: the objects it replaced, the classes it
rebuilt, the functions and classes it patched, the old code objects to mark as old when it commits.
"""

from __future__ import annotations

import ast
import inspect
from collections import defaultdict
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any

from ._compare import Compare, same_code, unchanged
from ._diff import Diff, Item, diff_items, iter_codes
from ._enums import is_enum, patch_enum
from ._index import INDEX
from ._journal import Journal
from ._report import note, warn
from ._sources import realpath
from ._types import ReloadResult

if TYPE_CHECKING:
    from ._edit import Edit
    from ._resolve import Target

MISSING: Any = object()
_AMBIGUOUS: Any = object()
_GEN_FLAGS = (
    inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE
)
CLASS_SKIP = frozenset({"__module__", "__qualname__", "__classcell__", "__dict__", "__weakref__"})


def functions_of(value: Any) -> list[FunctionType]:
    """The plain functions a class member is made of (a function, a classmethod/staticmethod, a property)."""
    if type(value) is FunctionType:
        return [value]
    if isinstance(value, (classmethod, staticmethod)):
        return [value.__func__] if type(value.__func__) is FunctionType else []
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if type(f) is FunctionType]
    return []


class Patcher:
    def __init__(self, edit: Edit, compare: Compare, journal: Journal, result: ReloadResult) -> None:
        self.edit = edit
        self.real = edit.real
        self.compare = compare
        self.journal = journal
        self.result = result
        self.replaced: dict[int, tuple[Any, Any]] = {}  # id(old) -> (old, new): objects that were replaced
        self.rebuilds: list[tuple[type, type]] = []
        self.rebuilt_prefixes: list[str] = []
        self.done: set[int] = set()  # functions already brought up to date
        self.patched_fns: set[int] = set()
        self.patched_classes: set[int] = set()
        self.to_mark: list[CodeType] = []
        self.gen_warned: set[str] = set()
        self.new_codes: dict[str, list[CodeType]] = defaultdict(list)  # qualname -> code compiled for it
        if edit.full_code is not None:
            self.collect(edit.full_code)

    def warn(self, message: str) -> None:
        warn(self.result, message)

    def note(self, bucket: list[str], name: str) -> None:
        note(bucket, name)

    def rebuilt(self, old: type, new: type, prefix: str) -> None:
        """``old`` is replaced by the class ``new`` built from the new source (its instances migrate later)."""
        self.rebuilds.append((old, new))
        self.replaced[id(old)] = (old, new)
        self.rebuilt_prefixes.append(prefix)

    def collect(self, code: CodeType) -> None:
        """Index the function code objects of ``code``, just compiled from the new source."""
        for c in iter_codes(code):
            if c.co_flags & inspect.CO_OPTIMIZED:
                self.new_codes[c.co_qualname].append(c)

    # -- functions --

    def mine(self, fn: object) -> bool:
        return type(fn) is FunctionType and realpath(fn.__code__.co_filename) == self.real

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
                if o.__code__.co_qualname == qualname and self.mine(o):
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
        if (
            old_code is not new_code
            and old_code != new_code
            and not self.compare.identical(old_code, new_code)
        ):
            attrs["__code__"] = new_code
        if new is not None:
            attrs.update(_changed_attrs(old, new))
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

    def journal_old_code(self, fn: FunctionType) -> CodeType:
        for code in self.to_mark:
            if code.co_qualname == fn.__code__.co_qualname:
                return code
        return fn.__code__

    # -- functions not reachable from the namespace: closures, nested functions, wrapped originals --

    def patch_indexed(self, t: Target) -> None:
        """Functions made by the statements that were run again, found through the code index.

        Each live function is paired with the new code of the definition that made it: the old code's first
        line, through the line map, is where that definition is now. A name alone pairs only when one
        definition has it, in the old source and in the new: every module-level lambda is ``<lambda>``."""
        others = {id(o.ns) for o in self.edit.targets if o is not t}
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
        line_map = self.edit.line_map
        if line_map is not None:
            target = line_map.get(old.co_firstlineno)
            if target is not None and self.compare.same_statement(old.co_firstlineno, target):
                here = [c for c in codes if c.co_firstlineno == target]
                if len(here) == 1:
                    return here[0]
                if len(here) > 1:  # two lambdas on one line: nothing tells them apart
                    return _AMBIGUOUS
        if len(codes) == 1 and self.compare.unique(qual, live):
            return codes[0]
        if self.compare.kept_statement(old):
            return None  # its statement is still there, word for word, and was not run again
        return _AMBIGUOUS

    # -- classes --

    def patch_class(
        self,
        cls: type,
        body: dict[str, Any],
        old_body: list[Item] | None,
        new_body: list[Item],
        qual: str,
        ns: dict[str, Any],
    ) -> None:
        """Bring the live class ``cls`` up to date from ``body``, the namespace its new class body made."""
        r = self.result
        cell = body.get("__classcell__")
        if cell is not None:
            cell.cell_contents = cls
        fix_class_cells(body, cls)
        bd = diff_items(old_body, new_body) if old_body is not None else None
        before = len(self.journal) + len(self.patched_fns)
        for name in dict.fromkeys(self._touched(cls, body, new_body, bd, qual)):
            if name in CLASS_SKIP:
                continue
            if name == "__doc__":
                new_doc = body.get("__doc__")
                if cls.__doc__ != new_doc:
                    self.journal.setattr(cls, "__doc__", new_doc)
                continue
            new_val = body.get(name, MISSING)
            if new_val is MISSING:
                continue
            old_val = vars(cls).get(name, MISSING)
            self.patch_member(cls, name, old_val, new_val, f"{qual}.{name}", ns)
            if bd is None and old_val is not MISSING and id(old_val) in self.patched_fns:
                fn = old_val
                if type(fn) is FunctionType and not same_code(fn.__code__, self.journal_old_code(fn)):
                    self.note(r.changed, f"{qual}.{name}")
        if bd is not None:
            for name in bd.removed_names:
                if name in vars(cls) and name not in CLASS_SKIP:
                    self.journal.delattr(cls, name)
                    self.note(r.removed, f"{qual}.{name}")
        if len(self.journal) + len(self.patched_fns) != before:
            self.patched_classes.add(id(cls))

    def _touched(
        self, cls: type, body: dict[str, Any], new_body: list[Item], bd: Diff | None, qual: str
    ) -> list[str]:
        """The names of the class body the edit touched (reporting the added and changed ones)."""
        r = self.result
        touched: list[str] = []
        for index, it in enumerate(new_body):
            if it.kind in ("def", "class"):
                old_it = bd.old_defs.get(it.name or "") if bd is not None else None
                if bd is not None and unchanged(old_it, it):
                    continue
                touched.append(it.name or "")
                if bd is not None:
                    if old_it is None:
                        self.note(r.added, f"{qual}.{it.name}")
                    elif not old_it.same(it):
                        self.note(r.changed, f"{qual}.{it.name}")
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
                    self.note(r.changed, f"{qual}.{n}")
        for extra in ("__firstlineno__", "__static_attributes__"):
            if extra in body:
                touched.append(extra)
        return touched

    def patch_member(
        self, cls: type, name: str, old_val: Any, new_val: Any, qual: str, ns: dict[str, Any]
    ) -> None:
        """Bring the member ``name`` of ``cls`` up to date: in place when it can be, replaced when not."""
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
            if not self._patch_property(old_val, new_val):
                self.journal.setattr(cls, name, new_val)
            return
        if (
            isinstance(old_val, type)
            and isinstance(new_val, type)
            and old_val.__module__ == ns.get("__name__")
        ):
            self._patch_nested_class(cls, name, old_val, new_val, qual, ns)
            return
        self.journal.setattr(cls, name, new_val)
        self.done.update(id(f) for f in functions_of(new_val))

    def _patch_property(self, old_val: property, new_val: property) -> bool:
        """Patch the accessors of a property in place; False when the property must be replaced."""
        ok = True
        for role in ("fget", "fset", "fdel"):
            a, b = getattr(old_val, role), getattr(new_val, role)
            if (a is None) != (b is None) or (
                a is not None
                and not (type(a) is FunctionType and type(b) is FunctionType and self.update_function(a, b))
            ):
                ok = False
        return ok and old_val.__doc__ == new_val.__doc__

    def _patch_nested_class(
        self, cls: type, name: str, old_val: type, new_val: type, qual: str, ns: dict[str, Any]
    ) -> None:
        same_header = old_val.__bases__ == new_val.__bases__ and type(old_val) is type(new_val)
        inner: dict[str, Any] | None = None
        if is_enum(old_val) and same_header:
            grafted = patch_enum(self, old_val, new_val, qual)
            inner = grafted[1] if grafted is not None else None
        elif same_header and not hasattr(old_val, "__dataclass_fields__"):
            inner = {k: v for k, v in vars(new_val).items()}
        if inner is not None:
            fix_class_cells(inner, old_val)
            for k, v in inner.items():
                if k in CLASS_SKIP:
                    continue
                self.patch_member(old_val, k, vars(old_val).get(k, MISSING), v, f"{qual}.{k}", ns)
            self.patched_classes.add(id(old_val))
            return
        self.journal.setattr(cls, name, new_val)
        self.rebuilt(old_val, new_val, old_val.__qualname__ + ".")


def _changed_attrs(old: FunctionType, new: FunctionType) -> dict[str, Any]:
    """The defaults, keyword defaults, doc and annotations of ``new`` that differ from those of ``old``."""
    attrs: dict[str, Any] = {}
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
    return attrs


def fix_class_cells(body: dict[str, Any], cls: type) -> None:
    """Functions built for ``cls`` from a throwaway body/class must see ``cls`` as ``__class__``."""
    for value in body.values():
        funcs: list[Any] = []
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
