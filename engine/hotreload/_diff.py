"""Top-level (and class-body) definitions of a source, how two versions differ, and line re-mapping."""

from __future__ import annotations

import ast
import bisect
import difflib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import CodeType
from typing import Literal

Kind = Literal["def", "class", "stmt", "main"]
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _dump(node: ast.AST | list[ast.AST]) -> str:
    if isinstance(node, list):
        return "[" + ", ".join(_dump(n) for n in node) + "]"
    return ast.dump(node, annotate_fields=False, include_attributes=False)


class Item:
    """One top-level statement (or class-body statement).

    Contents are compared by their source text first (cheap); only when the texts differ is the AST dump
    (positions and comments left out) computed, so a reload of a large file dumps only what was edited.
    """

    __slots__ = ("_header", "_key", "binds", "body", "end_lineno", "kind", "lineno", "name", "node", "text")

    def __init__(
        self,
        kind: Kind,
        node: ast.stmt,
        text: str,
        name: str | None = None,
        binds: frozenset[str] = frozenset(),
        body: list[Item] | None = None,
    ) -> None:
        self.kind = kind
        self.node = node
        self.text = text
        self.name = name
        self.binds = binds
        self.body = body
        decorators = getattr(node, "decorator_list", None)
        self.lineno = decorators[0].lineno if decorators else node.lineno
        self.end_lineno = node.end_lineno or node.lineno
        self._key: str | None = None
        self._header: str | None = None

    @property
    def key(self) -> str:
        """The content, positions and comments left out."""
        if self._key is None:
            self._key = _dump(self.node)
        return self._key

    @property
    def header(self) -> str:
        """def: decorators; class: decorators, bases, keywords, type parameters."""
        if self._header is None:
            node = self.node
            if isinstance(node, ast.ClassDef):
                self._header = _class_header(node)
            else:
                self._header = _dump(getattr(node, "decorator_list", []))
        return self._header

    def same(self, other: Item) -> bool:
        return self.kind == other.kind and (self.text == other.text or self.key == other.key)

    def positions(self) -> tuple[int, int]:
        return (self.lineno, self.end_lineno)


def is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either way round)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


def bound_names(node: ast.stmt) -> frozenset[str]:
    """Names a statement binds in the scope it runs in (nested scopes left out)."""
    names: set[str] = set()

    def visit(n: ast.AST) -> None:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
            for d in n.decorator_list:
                visit(d)
            return
        if isinstance(n, ast.Lambda):
            return
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            for alias in n.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.split(".")[0])
            return
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif (isinstance(n, ast.ExceptHandler) and n.name) or (
            isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name
        ):
            names.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            names.add(n.rest)
        for child in ast.iter_child_nodes(n):
            if not isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                visit(child)
            else:  # walrus targets in comprehensions bind in the enclosing scope
                for sub in ast.walk(child):
                    if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                        names.add(sub.target.id)

    visit(node)
    return frozenset(names)


def _class_header(node: ast.ClassDef) -> str:
    return _dump([*node.decorator_list, *node.bases, *node.keywords, *getattr(node, "type_params", [])])


def items_of(body: list[ast.stmt], lines: list[str], *, class_body: bool = False) -> list[Item]:
    """The items of a body; ``lines`` is the source split on newlines (as the parser counts them)."""
    items: list[Item] = []
    for node in body:
        decorators = getattr(node, "decorator_list", None)
        first = decorators[0].lineno if decorators else node.lineno
        text = "\n".join(lines[first - 1 : node.end_lineno or node.lineno])
        if isinstance(node, _DEFS):
            items.append(Item("def", node, text, node.name, frozenset({node.name})))
        elif isinstance(node, ast.ClassDef):
            items.append(
                Item(
                    "class",
                    node,
                    text,
                    node.name,
                    frozenset({node.name}),
                    items_of(node.body, lines, class_body=True),
                )
            )
        elif not class_body and is_main_guard(node):
            items.append(Item("main", node, text))
        else:
            items.append(Item("stmt", node, text, None, bound_names(node)))
    return items


@dataclass
class Diff:
    """How a new body differs from an old one."""

    old_defs: dict[str, Item] = field(default_factory=dict)
    changed_stmts: set[int] = field(default_factory=set)  # id(node) of new statements that are new or edited
    removed_names: list[str] = field(default_factory=list)  # bound before, bound by nothing now
    removed_stmts: list[Item] = field(default_factory=list)


def diff_items(old: list[Item], new: list[Item]) -> Diff:
    d = Diff()
    for it in old:
        if it.kind in ("def", "class") and it.name:
            d.old_defs[it.name] = it  # the last definition wins, as when the body runs
    old_stmts = [it for it in old if it.kind in ("stmt", "main")]
    by_text = Counter(it.text for it in old_stmts)
    unmatched_new = []
    for it in new:
        if it.kind in ("stmt", "main"):
            if by_text[it.text] > 0:
                by_text[it.text] -= 1
            else:
                unmatched_new.append(it)
    leftover_old: list[Item] = []
    for it in old_stmts:
        if by_text[it.text] > 0:
            by_text[it.text] -= 1
            leftover_old.append(it)
    if unmatched_new:  # texts differ: compare the code (a comment or a reformat is not a change)
        for it in unmatched_new:
            match = next((o for o in leftover_old if o.kind == it.kind and o.key == it.key), None)
            if match is not None:
                leftover_old.remove(match)
            else:
                d.changed_stmts.add(id(it.node))
    d.removed_stmts = leftover_old
    new_bound: set[str] = set()
    for it in new:
        new_bound |= it.binds
    old_bound: dict[str, Item] = {}
    for it in old:
        for name in it.binds:
            old_bound[name] = it
    d.removed_names = [name for name in old_bound if name not in new_bound]
    return d


def parse(source: str, filename: str) -> ast.Module:
    return ast.parse(source, filename)


def future_flags(tree: ast.Module) -> int:
    """The compiler flags of the module's ``from __future__ import`` statements (for compiling its parts)."""
    import __future__

    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            continue
        else:
            break
    return flags


def strip_decorators(node: ast.stmt) -> ast.stmt:
    """A copy of a def/class without its decorators (positions kept), to build its parts without side effects."""
    if isinstance(node, (*_DEFS, ast.ClassDef)) and node.decorator_list:
        clone = type(node)(**{f: getattr(node, f) for f in node._fields})
        clone.decorator_list = []
        for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            setattr(clone, attr, getattr(node, attr, None))
        return clone
    return node


# --- line re-mapping --------------------------------------------------------------------------------------


def matched_lines(old_lines: list[str], new_lines: list[str]) -> list[tuple[int, int]]:
    """(old index, new index) of the lines the edit kept (0-based, in order; whitespace normalised)."""
    a = [s.strip() for s in old_lines]
    b = [s.strip() for s in new_lines]
    pairs: list[tuple[int, int]] = []
    _match(a, b, 0, len(a), 0, len(b), pairs)
    return pairs


def remap_lines(old_source: str, new_source: str, lines: Iterable[int]) -> dict[int, int | None]:
    """Where each old line (1-based) is in the new source; None when its line was deleted.

    Lines are compared with whitespace normalised, so a re-indented statement keeps its breakpoint. A line
    inside an edited block maps to the line at the same offset in the block's replacement (clamped to it).
    """
    old_lines = [s.strip() for s in old_source.splitlines()]  # re-indenting keeps a breakpoint
    new_lines = [s.strip() for s in new_source.splitlines()]
    wanted = sorted(set(lines))
    result: dict[int, int | None] = {}
    if not wanted:
        return result
    pairs: list[tuple[int, int]] = []
    _match(old_lines, new_lines, 0, len(old_lines), 0, len(new_lines), pairs)
    matched_old = [i for i, _ in pairs]
    to_new = dict(pairs)
    for line in wanted:
        i = line - 1
        if i in to_new:
            result[line] = to_new[i] + 1
            continue
        # an edited or deleted line: its gap between the matched lines around it, old and new
        k = bisect.bisect_left(matched_old, i)
        prev_old, prev_new = pairs[k - 1] if k > 0 else (-1, -1)
        next_new = pairs[k][1] if k < len(pairs) else len(new_lines)
        gap = next_new - prev_new - 1
        result[line] = None if gap <= 0 else prev_new + 1 + min(i - prev_old - 1, gap - 1) + 1
    return result


def _match(
    a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int, out: list[tuple[int, int]]
) -> None:
    """Equal lines of a[alo:ahi] and b[blo:bhi] as (i, j) pairs, in order (patience diff: common head and tail,
    then lines unique on both sides as anchors, recursively). Near-linear, where difflib is quadratic on the
    many identical lines (blank lines, `return`s) of a big module."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo, blo = alo + 1, blo + 1
    tail: list[tuple[int, int]] = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi, bhi = ahi - 1, bhi - 1
        tail.append((ahi, bhi))
    if alo < ahi and blo < bhi:
        anchors = _unique_anchors(a, b, alo, ahi, blo, bhi)
        if anchors:
            i0, j0 = alo, blo
            for i, j in anchors:
                if i > i0 and j > j0:  # a gap on both sides may hold more matches
                    _match(a, b, i0, i, j0, j, out)
                out.append((i, j))
                i0, j0 = i + 1, j + 1
            _match(a, b, i0, ahi, j0, bhi, out)
        elif (ahi - alo) * (bhi - blo) <= 250_000:  # small and without anchors: difflib is fine
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for i, j, n in matcher.get_matching_blocks():
                out.extend((alo + i + k, blo + j + k) for k in range(n))
    out.extend(reversed(tail))


def _unique_anchors(
    a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Lines that occur once in each range, paired, reduced to the longest run in increasing order on both."""
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    candidates = [(i, where_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in where_b]
    if not candidates:
        return []
    # longest increasing subsequence on j (patience sorting)
    tops: list[int] = []  # j of the last candidate in each pile
    top_index: list[int] = []
    back: list[int] = []
    for n, (_, j) in enumerate(candidates):
        pile = bisect.bisect_left(tops, j)
        back.append(top_index[pile - 1] if pile else -1)
        if pile == len(tops):
            tops.append(j)
            top_index.append(n)
        else:
            tops[pile] = j
            top_index[pile] = n
    chain = []
    n = top_index[-1]
    while n >= 0:
        chain.append(candidates[n])
        n = back[n]
    chain.reverse()
    return chain


def iter_codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            yield from iter_codes(const)
