"""Comparing code: is a definition unchanged, is a code object the same code, which definition made a function."""

from __future__ import annotations

import ast
import bisect
from collections import Counter
from types import CodeType, FunctionType
from typing import TYPE_CHECKING

from ._diff import Item, iter_codes

if TYPE_CHECKING:
    from ._edit import Edit

_LITERALS = (type(None), bool, int, float, complex, str, bytes, tuple, frozenset, CodeType, type(...))
_COMPREHENSIONS = {
    ast.GeneratorExp: "<genexpr>",
    ast.ListComp: "<listcomp>",
    ast.SetComp: "<setcomp>",
    ast.DictComp: "<dictcomp>",
}


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


def unchanged(old: Item | None, new: Item) -> bool:
    """The same definition, word for word (or but for comments and layout), on the same lines."""
    return old is not None and old.kind == new.kind and old.positions() == new.positions() and old.same(new)


def injected(code: CodeType) -> bool:
    """Does this code (or code nested in it) hold constants no compiler makes: callables put in by a tool?"""
    return any(type(c) not in _LITERALS for co in iter_codes(code) for c in co.co_consts)


def all_texts(items: list[Item]) -> list[str]:
    out = []
    for it in items:
        out.append(it.text)
        if it.body:
            out.extend(all_texts(it.body))
    return out


def qualname_counts(body: list[ast.stmt]) -> Counter[str]:
    """How many definitions (def, lambda, comprehension) of a source give their functions each qualified name,
    as the compiler names them. Comprehensions 3.12 inlines are counted too: more, never fewer."""
    counts: Counter[str] = Counter()

    def visit(node: ast.AST, prefix: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            name = node.name if not isinstance(node, ast.Lambda) else "<lambda>"
            counts[prefix + name] += 1
            for n in _outer_parts(node):
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
            name = _COMPREHENSIONS[type(node)]
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


def _outer_parts(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.AST]:
    """What a definition evaluates in its enclosing scope: decorators, defaults, annotations."""
    args = node.args
    outer: list[ast.AST] = [*getattr(node, "decorator_list", []), *args.defaults]
    outer += [d for d in args.kw_defaults if d is not None]
    if not isinstance(node, ast.Lambda):
        outer += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation]
        outer += [a.annotation for a in (args.vararg, args.kwarg) if a is not None and a.annotation]
        if node.returns is not None:
            outer.append(node.returns)
    return outer


class Compare:
    """Questions about the old and the new source of one edit, with their answers' lookups cached."""

    def __init__(self, edit: Edit) -> None:
        self.edit = edit
        self._starts: dict[int, list[int]] = {}  # id(list of items) -> their first lines, for bisect
        self._sites: dict[str, Counter[str]] = {}  # "old"/"new" -> how many definitions each qualname has

    def innermost(self, items: list[Item], line: int) -> Item | None:
        """The innermost item (a top-level statement, or a statement of a class body) holding ``line``."""
        starts = self._starts.get(id(items))
        if starts is None:
            starts = self._starts[id(items)] = [it.lineno for it in items]
        i = bisect.bisect_right(starts, line) - 1
        if i < 0 or line > items[i].end_lineno:
            return None
        it = items[i]
        if it.body:
            return self.innermost(it.body, line) or it
        return it

    def identical(self, old: CodeType, new: CodeType) -> bool:
        """Is ``old`` the code ``new`` is, plus a debugger's breakpoint hooks (the 3.11 bytecode backend puts
        them into the code objects)? It is when it carries injected callables and was compiled from the very
        source ``new`` was: the same statement text on the same lines, with the same ``__future__`` flags."""
        e = self.edit
        if (
            e.old_items is None
            or e.old_flags != e.flags
            or old.co_qualname != new.co_qualname
            or old.co_firstlineno != new.co_firstlineno
            or not injected(old)
        ):
            return False
        a = self.innermost(e.old_items, old.co_firstlineno)
        b = self.innermost(e.new_items, new.co_firstlineno)
        return a is not None and b is not None and a.positions() == b.positions() and a.text == b.text

    def same_statement(self, old_line: int, new_line: int) -> bool:
        """Are these lines in the same statement, before and after the edit (what it defines or binds)? The
        line map only estimates where a line of an edited block went."""
        if self.edit.old_items is None:
            return True
        a = self.innermost(self.edit.old_items, old_line)
        b = self.innermost(self.edit.new_items, new_line)
        if a is None or b is None:
            return a is b
        return a.kind == b.kind and a.name == b.name and a.binds == b.binds

    def kept_statement(self, old: CodeType) -> bool:
        """Is the statement that created ``old`` still in the new source, word for word (maybe moved)?"""
        if self.edit.old_items is None:
            return False
        a = self.innermost(self.edit.old_items, old.co_firstlineno)
        if a is None:
            return False
        texts = self._sites.get("texts")
        if texts is None:
            texts = self._sites["texts"] = Counter(all_texts(self.edit.new_items))
        return a.text in texts

    def unique(self, qual: str, live: list[FunctionType]) -> bool:
        """Does exactly one definition make functions named ``qual``, in the old source and in the new?"""
        new = self._sites.get("new")
        if new is None:
            new = self._sites["new"] = qualname_counts(self.edit.new_tree.body)
        if new[qual] != 1:
            return False
        if self.edit.old_items is None:  # the old source is unknown: the live functions must share one origin
            return len({f.__code__.co_firstlineno for f in live}) == 1
        old = self._sites.get("old")
        if old is None:
            old = self._sites["old"] = qualname_counts([i.node for i in self.edit.old_items])
        return old[qual] == 1
