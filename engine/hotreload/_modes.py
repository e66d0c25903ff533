"""The two ways a reload applies the new source to a module namespace, behind one method, ``Mode.apply``.

- ``DiffMode`` ("diff"): run only the definitions and statements that changed; patch what they made into the
  live objects. ``__main__`` is always reloaded this way.
- ``ModuleMode`` ("module"): re-run the whole module body, then keep the old objects by identity, patched
  with what the re-run made.
"""

from __future__ import annotations

import ast
from types import CodeType, FunctionType
from typing import Any

from ..framecode.room import with_room
from ._compare import same_code, unchanged
from ._diff import Diff, Item, diff_items, strip_decorators
from ._edit import Edit
from ._enums import is_enum, patch_enum
from ._patcher import MISSING, Patcher
from ._resolve import CompileError, Target

_ASSIGN_LIKE = (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)


class Mode:
    """How one reload applies its edit to one module namespace."""

    def __init__(self, edit: Edit, patcher: Patcher) -> None:
        self.edit = edit
        self.patcher = patcher
        self.result = patcher.result

    def apply(self, t: Target) -> None:
        raise NotImplementedError

    def will_run(self, t: Target) -> list[ast.stmt]:
        """The top-level statements ``apply`` may run in ``t`` (an over-estimate: what they touch is undone on
        failure, see ``_undo``)."""
        raise NotImplementedError

    def compile_nodes(self, nodes: list[ast.stmt]) -> CodeType:
        module = ast.Module(body=nodes, type_ignores=[])
        try:
            code = compile(module, self.edit.filename, "exec", flags=self.edit.flags, dont_inherit=True)
        except SyntaxError as exc:
            raise CompileError(exc) from exc
        code = with_room(code)  # frames of the new code can grow on the next reload
        self.patcher.collect(code)
        return code


def needs_rebuild(live: type, old_it: Item | None, it: Item) -> bool:
    """Must the live class be replaced by a class built from the new source, rather than patched in place?"""
    if old_it is not None and old_it.header != it.header:
        return True
    special = (
        bool(it.node.decorator_list)  # type: ignore[attr-defined]
        or type(live) is not type
        or "__slots__" in vars(live)
        or issubclass(live, tuple)
    )
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


class DiffMode(Mode):
    """Run only what changed: edited definitions are patched into the live objects, edited statements re-run."""

    _diff: Diff | None = None

    def diff(self) -> Diff | None:
        """How the new source differs from the old one (None: the old one is not known); computed once."""
        if self._diff is None and self.edit.old_items is not None:
            self._diff = diff_items(self.edit.old_items, self.edit.new_items)
        return self._diff

    def will_run(self, t: Target) -> list[ast.stmt]:
        d = self.diff()
        nodes = []
        for it in self.edit.new_items:
            if it.kind == "main":
                continue
            if it.kind in ("def", "class"):
                if d is not None and unchanged(d.old_defs.get(it.name or ""), it):
                    continue
            elif d is None:
                if not it.binds or all(name in t.ns for name in it.binds):
                    continue
            elif id(it.node) not in d.changed_stmts:
                continue
            nodes.append(it.node)
        return nodes

    def apply(self, t: Target) -> None:
        r, ns, p = self.result, t.ns, self.patcher
        old_items = self.edit.old_items
        d = self.diff()
        old_bound: set[str] = set()
        for it in old_items or ():
            old_bound |= it.binds
        for index, it in enumerate(self.edit.new_items):
            if it.kind == "main":
                if d is not None and id(it.node) in d.changed_stmts:
                    p.warn(
                        f'line {it.lineno}: the `if __name__ == "__main__":` block changed; it is not re-run'
                    )
            elif it.kind in ("def", "class"):
                old_it = d.old_defs.get(it.name or "") if d is not None else None
                if d is not None and unchanged(old_it, it):
                    continue  # the same definition as before: nothing to apply
                (self.apply_def if it.kind == "def" else self.apply_class)(t, it, d, old_it)
            else:
                self._apply_statement(t, index, it, d, old_bound)
        if d is not None:
            for name in d.removed_names:
                if name in ns:
                    value = ns.pop(name)
                    p.note(r.removed, name)
                    if isinstance(value, type) or type(value) is FunctionType:
                        p.replaced.setdefault(id(value), (value, None))

    def _apply_statement(self, t: Target, index: int, it: Item, d: Diff | None, old_bound: set[str]) -> None:
        ns, p = t.ns, self.patcher
        if d is None:
            if not it.binds or all(name in ns for name in it.binds):
                return
        elif id(it.node) not in d.changed_stmts:
            return
        node = it.node
        if (
            index == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            ns["__doc__"] = node.value.value
            return
        if t.is_main and not isinstance(node, _ASSIGN_LIKE):
            p.warn(
                f"line {it.lineno}: an edited top-level statement of the __main__ script is not re-run "
                "(only definitions, assignments and imports are applied)"
            )
            return
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            return
        exec(self.compile_nodes([node]), ns)
        for name in sorted(it.binds):
            p.note(self.result.changed if name in old_bound else self.result.added, name)

    def apply_def(self, t: Target, it: Item, d: Diff | None, old_it: Item | None) -> None:
        """An edited (or new) function; `old_it`: its old definition (None: new, or the old source is not known)."""
        r, ns, name, p = self.result, t.ns, it.name, self.patcher
        assert name is not None
        live = ns.get(name, MISSING)
        old_fn = p.unwrap_to(live, name) if live is not MISSING else None
        recreate = old_fn is None or (
            d is not None and (old_it is None or old_it.kind != "def" or old_it.header != it.header)
        )
        if recreate:
            exec(self.compile_nodes([it.node]), ns)
            new = ns.get(name)
            if live is MISSING or (d is not None and old_it is None):
                p.note(r.added, name)
                return
            p.note(r.changed, name)
            if live is not new:
                p.replaced[id(live)] = (live, new)
            new_fn = p.unwrap_to(new, name)
            if old_fn is not None and new_fn is not None:
                p.update_function(old_fn, new_fn)
            return
        scratch: dict[str, Any] = {}
        exec(self.compile_nodes([strip_decorators(it.node)]), ns, scratch)
        new_fn = scratch[name]
        assert old_fn is not None
        if not p.update_function(old_fn, new_fn):
            ns[name] = new_fn if live is old_fn else live
            if live is old_fn:
                p.replaced[id(live)] = (live, new_fn)
        edited = (
            (not old_it.same(it)) if old_it is not None else not same_code(old_fn.__code__, new_fn.__code__)
        )
        if d is None and id(old_fn) in p.patched_fns:
            edited = edited or old_fn.__code__ is new_fn.__code__
        if edited:
            p.note(r.changed, name)

    def apply_class(self, t: Target, it: Item, d: Diff | None, old_it: Item | None) -> None:
        """An edited (or new) class; `old_it`: its old definition (None: new, or the old source is not known)."""
        r, ns, name, p = self.result, t.ns, it.name, self.patcher
        assert name is not None
        live = ns.get(name, MISSING)
        is_cls = (
            isinstance(live, type) and live.__module__ == ns.get("__name__") and live.__qualname__ == name
        )
        if not is_cls or (d is not None and (old_it is None or old_it.kind != "class")):
            exec(self.compile_nodes([it.node]), ns)
            if live is MISSING or not is_cls:
                p.note(r.added if live is MISSING or old_it is None else r.changed, name)
            else:
                p.note(r.changed, name)
                p.replaced[id(live)] = (live, ns[name])
            return
        rebuild = needs_rebuild(live, old_it, it)
        if is_enum(live) and (rebuild or old_it is None):
            if self._apply_enum(live, it, old_it, ns):
                return
            rebuild = True  # a different kind of enum now: the new class is in the namespace
        elif rebuild:
            exec(self.compile_nodes([it.node]), ns)
        if rebuild:
            p.rebuilt(live, ns[name], name + ".")
            p.patched_classes.add(id(live))
            p.note(r.changed, name)
            return
        body = self.class_body(it.node, ns)  # type: ignore[arg-type]
        p.patch_class(live, body, old_it.body if old_it else None, it.body or [], name, ns)

    def _apply_enum(self, live: type, it: Item, old_it: Item | None, ns: dict[str, Any]) -> bool:
        """Patch the live enum to the state of the one the new source builds; False (that enum is bound in
        the namespace then) when it must be rebuilt instead."""
        name = it.name or ""
        scratch: dict[str, Any] = {}  # the new enum is only the new state of the live one
        exec(self.compile_nodes([it.node]), ns, scratch)
        new = scratch[name]
        grafted = patch_enum(self.patcher, live, new, name)
        if grafted is None:
            ns[name] = new
            return False
        self.patcher.patch_class(live, grafted[1], old_it.body if old_it else None, it.body or [], name, ns)
        if old_it is None and id(live) in self.patcher.patched_classes:
            self.patcher.note(self.result.changed, name)
        return True

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


class ModuleMode(Mode):
    """Re-run the whole module body, then keep the old functions and classes by identity, patched."""

    def __init__(self, edit: Edit, patcher: Patcher) -> None:
        super().__init__(edit, patcher)
        self.discarded: dict[int, Any] = {}  # id(new object thrown away) -> old object kept

    def will_run(self, t: Target) -> list[ast.stmt]:
        return list(self.edit.new_tree.body)

    def apply(self, t: Target) -> None:
        r, ns = self.result, t.ns
        before = dict(ns)
        assert self.edit.full_code is not None
        exec(self.edit.full_code, ns)
        old_by_name = {it.name: it for it in self.edit.old_items or () if it.name}
        new_by_name = {it.name: it for it in self.edit.new_items if it.name}
        for name, new in list(ns.items()):
            old = before.get(name, MISSING)
            if old is new:
                continue
            it = new_by_name.get(name)
            old_it = old_by_name.get(name)
            if old is MISSING:
                if it is not None:
                    self.patcher.note(r.added, name)
            elif self._same_function(old, new):
                self._keep_function(ns, name, old, new, old_it, it)
            elif (
                isinstance(old, type)
                and isinstance(new, type)
                and old.__module__ == new.__module__ == ns.get("__name__")
                and old.__qualname__ == new.__qualname__
            ):
                self._keep_class(ns, name, old, new, old_it, it)
            else:
                self._other(name, old, new, old_it, it)
        self._drop_removed(ns)
        # classes rebuilt by the re-run may name as their bases classes we then kept by identity
        for _old, new in self.patcher.rebuilds:
            if any(id(b) in self.discarded for b in new.__bases__):
                self.patcher.journal.set_bases(
                    new, tuple(self.discarded.get(id(b), b) for b in new.__bases__)
                )

    def _same_function(self, old: Any, new: Any) -> bool:
        return (
            type(old) is FunctionType
            and type(new) is FunctionType
            and self.patcher.mine(old)
            and self.patcher.mine(new)
            and old.__code__.co_qualname == new.__code__.co_qualname
        )

    def _keep_function(
        self, ns: dict[str, Any], name: str, old: Any, new: Any, old_it: Item | None, it: Item | None
    ) -> None:
        p = self.patcher
        if old_it is not None and it is not None and self.edit.old_flags == self.edit.flags:
            # the source tells: the code of an unchanged definition may still differ (a debugger's
            # breakpoint hooks in it), and that is not an edit
            edited = not old_it.same(it)
        else:
            edited = not same_code(old.__code__, new.__code__) or (
                old_it is not None and it is not None and not old_it.same(it)
            )
        if p.update_function(old, new):
            self._keep(ns, name, old, new)
        else:
            p.replaced[id(old)] = (old, new)
        if edited:
            p.note(self.result.changed, name)

    def _keep_class(
        self, ns: dict[str, Any], name: str, old: type, new: type, old_it: Item | None, it: Item | None
    ) -> None:
        p = self.patcher
        rebuild = (it is not None and needs_rebuild(old, old_it, it)) or (
            old_it is None
            and tuple(b.__qualname__ for b in old.__bases__) != tuple(b.__qualname__ for b in new.__bases__)
        )
        body = dict(vars(new))
        kept: dict[int, Any] = {}  # id(member of the new enum) -> the live member
        if is_enum(old) and (rebuild or old_it is None):
            grafted = patch_enum(p, old, new, name)  # the new enum is only the new state of the live one
            rebuild = grafted is None
            if grafted is not None:
                kept, body = grafted
        if rebuild:
            p.rebuilt(old, new, name + ".")
            p.patched_classes.add(id(old))
            p.note(self.result.changed, name)
            return
        p.patch_class(old, body, old_it.body if old_it else None, it.body if it and it.body else [], name, ns)
        if old_it is None and id(old) in p.patched_classes:
            p.note(self.result.changed, name)
        self._keep(ns, name, old, new)
        for key, value in list(ns.items()):  # `DEFAULT = Color.RED` was run again: it names the kept member
            if kept.get(id(value), value) is not value:
                ns[key] = kept[id(value)]

    def _keep(self, ns: dict[str, Any], name: str, old: Any, new: Any) -> None:
        """The module keeps ``old`` (patched) where the re-run bound ``new``."""
        ns[name] = old
        self.discarded[id(new)] = old

    def _other(self, name: str, old: Any, new: Any, old_it: Item | None, it: Item | None) -> None:
        """A name bound to something else than before: a decorated definition, or a value."""
        p, r = self.patcher, self.result
        if it is not None:
            old_fn, new_fn = p.unwrap_to(old, name), p.unwrap_to(new, name)
            if old_fn is not None and new_fn is not None:
                p.update_function(old_fn, new_fn)
            if old_it is None or not old_it.same(it):
                p.note(r.changed, name)
            p.replaced[id(old)] = (old, new)
        elif old_it is not None or any(name in i.binds for i in self.edit.new_items if i.kind == "stmt"):
            stmt_changed = True
            if self.edit.old_items is not None:
                olds = sorted(i.key for i in self.edit.old_items if name in i.binds)
                news = sorted(i.key for i in self.edit.new_items if name in i.binds)
                stmt_changed = olds != news
            if stmt_changed:
                p.note(r.changed, name)

    def _drop_removed(self, ns: dict[str, Any]) -> None:
        """Names the old source bound and the new one binds no more leave the namespace."""
        new_bound: set[str] = set()
        for it in self.edit.new_items:
            new_bound |= it.binds
        for it in self.edit.old_items or ():
            for name in it.binds:
                if name not in new_bound and name in ns:
                    ns.pop(name)
                    self.patcher.note(self.result.removed, name)
