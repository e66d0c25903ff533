"""Which statement starts on a line, and which blocks hold values on the stack around it (from the source).

A frame stopped inside a ``for`` body has the loop's iterator on its value stack, inside a ``with`` body the
context manager's exit, inside an ``except`` body the exception being handled. Moving it into new code is only
safe when the new line sits in blocks of the same kinds with the same headers: then the values on the stack
mean the same thing to the new code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

_HOLDING = {
    ast.For: "for",
    ast.AsyncFor: "async for",
    ast.With: "with",
    ast.AsyncWith: "async with",
}


@dataclass
class Shape:
    """For every line where a statement starts: the blocks around it, outermost first, as (kind, header)."""

    blocks: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # line of a `for`/`with` statement -> (kind, header): a frame stopped on a loop's own line holds its iterator
    headers: dict[int, tuple[str, str]] = field(default_factory=dict)

    def starts(self, line: int) -> bool:
        return line in self.blocks


def _header(node: ast.AST) -> str:
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return ast.dump(node.target) + ast.dump(node.iter)
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return "".join(ast.dump(item) for item in node.items)
    if isinstance(node, ast.ExceptHandler):
        return (ast.dump(node.type) if node.type else "") + (node.name or "")
    return ""


def shape_of(source: str) -> Shape:
    shape = Shape()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return shape

    def visit(body: list[ast.stmt], chain: tuple[tuple[str, str], ...]) -> None:
        for stmt in body:
            shape.blocks.setdefault(stmt.lineno, chain)
            kind = _HOLDING.get(type(stmt))
            if kind is not None and isinstance(stmt, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                shape.headers[stmt.lineno] = (kind, _header(stmt))
                inner = (*chain, (kind, _header(stmt)))
                visit(stmt.body, inner)
                visit(
                    stmt.orelse if isinstance(stmt, (ast.For, ast.AsyncFor)) else [], chain
                )  # a loop's else runs after the iterator is gone
            elif isinstance(stmt, (ast.Try, ast.TryStar)):
                visit(stmt.body, chain)
                for handler in stmt.handlers:
                    visit(handler.body, (*chain, ("except", _header(handler))))
                visit(stmt.orelse, chain)
                visit(stmt.finalbody, (*chain, ("finally", "")))
            elif isinstance(stmt, ast.Match):
                for case in stmt.cases:
                    visit(case.body, (*chain, ("case", "")))
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(stmt.body, ())  # another code object: its own stack
            else:
                for name in ("body", "orelse"):  # if, while
                    inner_body = getattr(stmt, name, None)
                    if isinstance(inner_body, list):
                        visit(inner_body, chain)

    visit(tree.body, ())
    return shape
