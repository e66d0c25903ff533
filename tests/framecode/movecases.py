"""Frame-move cases: what a frame moved into new code must compute (an oracle), a generator of random small
functions and edits, and the driver that runs batches of cases in a child interpreter (``move_child.py``).

Self-contained on purpose (no imports from the test package or from dapper_tui): the tests import it, and so
does ``benchmarks/frame_moves.py``, which runs it under any Python.

The oracle interprets a function's source statement by statement (``ast``), with a shared namespace for its
locals, and can switch programs at a stop point: run the old function until line ``stop`` has run ``hit``
times, then continue in the new function at line ``target``, with the same locals and the same live values of
the blocks around the stop (a ``for`` iterator, a ``with`` context manager, an exception being handled). It
never touches a frame: simple statements run through ``exec``, so it is an independent account of the
"hybrid" a moved frame must produce (old code before the stop point, new code from the matching statement on).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHILD = HERE / "move_child.py"

# Run before every function, in the child and in the oracle: ``C(k)`` is a context manager whose exits are
# logged, so a `with` block that is exited twice (or never) shows in the result.
PRELUDE = """
EXITS = []


class C:
    def __init__(self, k):
        self.k = k

    def __enter__(self):
        return self.k

    def __exit__(self, *exc):
        EXITS.append(self.k)
        return False
"""

Result = list[Any]  # ["ok", value, exits] or ["error", exception family]


def normalise_error(exc: BaseException) -> Result:
    # an unbound local is UnboundLocalError in a frame and NameError in the oracle's namespace
    return ["error", "NameError" if isinstance(exc, NameError) else type(exc).__name__]


# --- the oracle ----------------------------------------------------------------------------------------------


class _Return(BaseException):
    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass
class Held:
    """A block around the stop point whose value lives on the frame's stack."""

    kind: str  # "for", "with", "except"
    header: str  # ast.dump of what the block's identity is made of (what the engine compares)
    value: Any  # the iterator, the context manager, the exception


def _header(node: ast.AST) -> str:
    if isinstance(node, ast.For):
        return ast.dump(node.target) + ast.dump(node.iter)
    if isinstance(node, ast.With):
        return "".join(ast.dump(item) for item in node.items)
    if isinstance(node, ast.ExceptHandler):
        return (ast.dump(node.type) if node.type else "") + (node.name or "")
    raise TypeError(node)


def _function(source: str) -> ast.FunctionDef:
    tree = ast.parse(source)
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(funcs) != 1:
        raise ValueError("the source must define exactly one function")
    return funcs[0]


def _contains(node: ast.stmt, line: int) -> bool:
    return node.lineno <= line <= (node.end_lineno or node.lineno)


class _Machine:
    """Runs statements of one function in ``env``; yields the line of every stop-able line event (a simple
    statement starting, a ``for`` header about to take the next item) before it happens."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.held: list[Held] = []

    def eval(self, node: ast.expr) -> Any:
        return eval(compile(ast.Expression(node), "<oracle>", "eval"), self.env)

    def assign(self, target: ast.expr, value: Any) -> None:
        self.env["__value__"] = value
        stmt = ast.Assign(targets=[target], value=ast.Name("__value__", ast.Load()), lineno=1, col_offset=0)
        exec(compile(ast.fix_missing_locations(ast.Module([stmt], [])), "<oracle>", "exec"), self.env)
        del self.env["__value__"]

    def simple(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Return):
            raise _Return(None if node.value is None else self.eval(node.value))
        exec(compile(ast.Module([node], []), "<oracle>", "exec"), self.env)

    def body(self, stmts: list[ast.stmt]) -> Iterator[int]:
        for node in stmts:
            yield from self.stmt(node)

    def stmt(self, node: ast.stmt) -> Iterator[int]:
        if isinstance(node, ast.For):
            yield node.lineno
            yield from self.loop(node, iter(self.eval(node.iter)))
        elif isinstance(node, ast.With):
            [item] = node.items
            cm = self.eval(item.context_expr)
            value = cm.__enter__()
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value)
            yield from self.exiting(node, cm, self.body(node.body))
        elif isinstance(node, ast.If):
            yield from self.body(node.body if self.eval(node.test) else node.orelse)
        elif isinstance(node, ast.Try):
            yield from self.trying(node, self.body(node.body))
        else:
            yield node.lineno
            self.simple(node)

    def loop(self, node: ast.For, it: Iterator[Any], first: Iterator[int] | None = None) -> Iterator[int]:
        """The rest of a loop: ``first`` (the rest of the current pass), then every item ``it`` still has."""
        self.held.append(Held("for", _header(node), it))
        if first is not None:
            yield from first
            yield node.lineno  # the jump back to the header
        for value in it:
            self.assign(node.target, value)
            yield from self.body(node.body)
            yield node.lineno
        self.held.pop()
        yield from self.body(node.orelse)

    def exiting(self, node: ast.With, cm: Any, inner: Iterator[int]) -> Iterator[int]:
        self.held.append(Held("with", _header(node), cm))
        try:
            yield from inner
        except _Return:
            self.held.pop()
            cm.__exit__(None, None, None)
            raise
        except Exception as exc:
            self.held.pop()
            if not cm.__exit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            self.held.pop()
            cm.__exit__(None, None, None)

    def trying(self, node: ast.Try, inner: Iterator[int]) -> Iterator[int]:
        try:
            yield from inner
        except Exception as exc:
            for handler in node.handlers:
                if handler.type is None or isinstance(exc, self.eval(handler.type)):
                    yield from self.handling(handler, exc, self.body(handler.body))
                    break
            else:
                raise
        else:
            yield from self.body(node.orelse)

    def handling(self, handler: ast.ExceptHandler, exc: Exception, inner: Iterator[int]) -> Iterator[int]:
        self.held.append(Held("except", _header(handler), exc))
        if handler.name:
            self.env[handler.name] = exc
        yield from inner
        self.held.pop()

    # -- continuing in another function at a line, with the blocks held at the stop ------------------------
    def resume(self, stmts: list[ast.stmt], line: int, held: list[Held]) -> Iterator[int]:
        for k, node in enumerate(stmts):
            if _contains(node, line):
                yield from self.resume_in(node, line, held)
                yield from self.body(stmts[k + 1 :])
                return
        raise LookupError(f"line {line} is in no statement")

    def resume_in(self, node: ast.stmt, line: int, held: list[Held]) -> Iterator[int]:
        if node.lineno == line:  # the statement itself; a running loop's header takes the loop's next item
            if isinstance(node, ast.For) and held:
                yield from self.loop(node, held.pop(0).value)
            else:
                yield from self.stmt(node)
            return
        if isinstance(node, ast.For):
            it = held.pop(0).value
            yield from self.loop(node, it, self.resume(node.body, line, held))
        elif isinstance(node, ast.With):
            cm = held.pop(0).value
            yield from self.exiting(node, cm, self.resume(node.body, line, held))
        elif isinstance(node, ast.If):
            inside = node.body if any(_contains(s, line) for s in node.body) else node.orelse
            yield from self.resume(inside, line, held)
        elif isinstance(node, ast.Try):
            if any(_contains(s, line) for s in node.body):
                yield from self.trying(node, self.resume(node.body, line, held))
                return
            for handler in node.handlers:
                if any(_contains(s, line) for s in handler.body):
                    exc = held.pop(0).value
                    yield from self.handling(handler, exc, self.resume(handler.body, line, held))
                    return
            yield from self.resume(node.orelse, line, held)
        else:
            raise LookupError(f"line {line} does not start a statement")


def _chain(stmts: list[ast.stmt], line: int) -> list[tuple[str, str]] | None:
    """The value-holding blocks around the statement starting on ``line`` (a ``for`` header's own loop not
    included), or None when no statement starts there."""
    for node in stmts:
        if not _contains(node, line):
            continue
        if node.lineno == line:
            return []
        inner: list[tuple[str, str]] = []
        if isinstance(node, ast.For):
            inner = [("for", _header(node))]
            found = _chain(node.body, line)
        elif isinstance(node, ast.With):
            inner = [("with", _header(node))]
            found = _chain(node.body, line)
        elif isinstance(node, ast.If):
            found = _chain(node.body, line)
            if found is None:
                found = _chain(node.orelse, line)
        elif isinstance(node, ast.Try):
            found = _chain(node.body, line)
            for handler in node.handlers:
                if found is None:
                    found = _chain(handler.body, line)
                    inner = [("except", _header(handler))] if found is not None else []
            if found is None:
                found = _chain(node.orelse, line)
        else:
            return None
        return None if found is None else inner + found
    return None


def _new_env(arg_name: str, arg: Any) -> dict[str, Any]:
    env: dict[str, Any] = {}
    exec(PRELUDE, env)
    env[arg_name] = arg
    return env


def _finish(machine: _Machine, steps: Iterator[int]) -> Result:
    try:
        for _ in steps:
            pass
    except _Return as ret:
        return ["ok", ret.value, list(machine.env["EXITS"])]
    except Exception as exc:
        return normalise_error(exc)
    return ["ok", None, list(machine.env["EXITS"])]


def run_plain(source: str, arg: Any) -> tuple[Result, Counter[int]]:
    """The function's result, and how many times each stop-able line event happened."""
    fn = _function(source)
    machine = _Machine(_new_env(fn.args.args[0].arg, arg))
    events: Counter[int] = Counter()

    def counted() -> Iterator[int]:
        for line in machine.body(fn.body):
            events[line] += 1
            yield line

    return _finish(machine, counted()), events


@dataclass
class Hybrid:
    reached: bool
    result: Result  # the hybrid's (or the old function's when the stop is not reached)
    refuse: str | None  # why moving there would be wrong (the held blocks differ), else None
    held: list[tuple[str, str]] = field(default_factory=list)


def run_hybrid(old: str, new: str, arg: Any, stop: int, hit: int, target: int) -> Hybrid:
    """Run ``old`` until line ``stop`` is about to run for the ``hit``-th time, then ``new`` from line
    ``target``. A stop on a ``for`` header after the loop started holds the loop's own iterator: the new
    header must then be the same too (the iterator was made by the old one)."""
    old_fn, new_fn = _function(old), _function(new)
    machine = _Machine(_new_env(old_fn.args.args[0].arg, arg))
    steps = machine.body(old_fn.body)
    seen = 0
    try:
        for line in steps:
            if line == stop:
                seen += 1
                if seen == hit:
                    break
        else:
            return Hybrid(False, _finish(machine, iter(())), None)
    except _Return as ret:
        return Hybrid(False, ["ok", ret.value, list(machine.env["EXITS"])], None)
    except Exception as exc:
        return Hybrid(False, normalise_error(exc), None)
    held = list(machine.held)
    machine.held = []
    steps.close()  # the old function is abandoned here: GeneratorExit runs no exit (the oracle catches Exception)
    wanted = _chain(new_fn.body, target)
    if wanted is None:
        raise LookupError(f"new line {target} does not start a statement")
    if isinstance(_statement_at(old_fn.body, stop), ast.For) and hit > 1:  # the loop's own iterator is held
        loop = _statement_at(new_fn.body, target)
        wanted = [*wanted, ("for", _header(loop) if isinstance(loop, ast.For) else "not a loop")]
    have = [(h.kind, h.header) for h in held]
    if have != wanted:
        return Hybrid(True, [], f"the held blocks differ: {have} -> {wanted}", have)
    return Hybrid(True, _finish(machine, machine.resume(new_fn.body, target, list(held))), None, have)


def _statement_at(stmts: list[ast.stmt], line: int) -> ast.stmt | None:
    for node in ast.walk(ast.Module(stmts, [])):
        if isinstance(node, ast.stmt) and node.lineno == line:
            return node
    return None


# --- the generator -------------------------------------------------------------------------------------------
#
# A program is a tree of nodes with identities (sid). An edit copies the tree and changes it; a statement keeps
# its sid when it is kept or edited in place, so the stop statement's counterpart in the new function is known
# without any diff.


@dataclass
class Expr:
    terms: list[str | int]  # name or constant, alternating with operators: [a, "+", 3, "*", b]

    def render(self, names: dict[str, str]) -> str:
        out = []
        for k, t in enumerate(self.terms):
            if k % 2 or isinstance(t, int):
                out.append(str(t))
            else:
                out.append(names.get(t, t))
        return " ".join(out)

    def uses(self) -> set[str]:
        return {t for k, t in enumerate(self.terms) if k % 2 == 0 and isinstance(t, str)}


@dataclass
class Stmt:
    sid: int
    kind: str  # "assign", "return", "def" (a closure: def NAME(x): return x + EXPR)
    target: str
    expr: Expr

    def render(self, names: dict[str, str]) -> str:
        if self.kind == "return":
            return f"return {self.expr.render(names)}"
        if self.kind == "def":
            return f"def {self.target}(x): return x + {self.expr.render(names)}"
        return f"{names.get(self.target, self.target)} = {self.expr.render(names)}"


@dataclass
class Block:
    sid: int
    kind: str  # "for", "with", "if"
    var: str  # the loop variable / the `as` name / unused for if
    head: Expr  # range(...) argument / C(...) argument / the if's left side (`> limit`)
    limit: int
    body: list[Node]

    def render(self, names: dict[str, str]) -> str:
        if self.kind == "for":
            return f"for {self.var} in range({self.head.render(names)}):"
        if self.kind == "with":
            return f"with C({self.head.render(names)}) as {self.var}:"
        return f"if {self.head.render(names)} > {self.limit}:"


@dataclass
class Note:
    text: str  # "" (a blank line) or a comment


Node = Stmt | Block | Note


@dataclass
class Program:
    body: list[Node]
    names: dict[str, str] = field(default_factory=dict)  # renames: old name -> new name

    def render(self) -> tuple[str, dict[int, int]]:
        """The source, and the line of every sid."""
        lines = ["def f(n):"]
        where: dict[int, int] = {}

        def emit(body: list[Node], indent: str) -> None:
            for node in body:
                if isinstance(node, Note):
                    lines.append(indent + node.text if node.text else "")
                    continue
                where[node.sid] = len(lines) + 1
                lines.append(indent + node.render(self.names))
                if isinstance(node, Block):
                    emit(node.body, indent + "    ")

        emit(self.body, "    ")
        return "\n".join(lines) + "\n", where

    def order(self) -> list[int]:
        """Every sid, in source order."""
        out: list[int] = []

        def walk(body: list[Node]) -> None:
            for node in body:
                if isinstance(node, Note):
                    continue
                out.append(node.sid)
                if isinstance(node, Block):
                    walk(node.body)

        walk(self.body)
        return out

    def texts(self) -> dict[int, str]:
        out: dict[int, str] = {}

        def walk(body: list[Node]) -> None:
            for node in body:
                if isinstance(node, Note):
                    continue
                out[node.sid] = node.render(self.names)
                if isinstance(node, Block):
                    walk(node.body)

        walk(self.body)
        return out


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sid = 0
        self.var = 0
        self.const = 0

    def next_sid(self) -> int:
        self.sid += 1
        return self.sid

    def constant(self) -> int:
        # distinct constants keep every line's text unique, so the engine's line diff is unambiguous
        self.const += 1
        return self.const * 10 + self.rng.randint(1, 9)

    def expr(self, names: list[str], n_terms: int | None = None) -> Expr:
        n_terms = n_terms or self.rng.randint(1, 3)
        terms: list[str | int] = []
        for k in range(n_terms):
            if k:
                terms.append(self.rng.choice(["+", "-", "*"]) if k == n_terms - 1 else self.rng.choice("+-"))
            use_name = names and (k == 0 or self.rng.random() < 0.5)
            terms.append(self.rng.choice(names) if use_name else self.constant())
        if all(isinstance(t, str) for t in terms[::2]):
            terms += ["+", self.constant()]
        return Expr(terms)

    def assign(self, names: list[str]) -> Stmt:
        self.var += 1
        return Stmt(self.next_sid(), "assign", f"v{self.var}", self.expr(names))

    def update(self, names: list[str], outer: list[str]) -> Stmt:
        target = self.rng.choice(outer)
        return Stmt(self.next_sid(), "assign", target, Expr([target, "+", *self.expr(names, 2).terms]))

    def block(self, names: list[str], outer: list[str], depth: int) -> Block:
        kind = self.rng.choice(["for", "for", "with", "if"])
        inner = list(names)
        if kind == "for":
            var = "i" if depth == 0 else "j"
            head = self.rng.choice(
                [Expr(["n"]), Expr(["n", "-", 1]), Expr([self.rng.choice(names), "%", 3, "+", 1])]
            )
            inner.append(var)
        elif kind == "with":
            var = "c" if depth == 0 else "d"
            head = Expr([self.constant()])
            inner.append(var)
        else:
            var, head = "", Expr([self.rng.choice(names)])
        limit = self.rng.randint(-20, 40)
        body: list[Node] = []
        for _ in range(self.rng.randint(2, 4)):
            if depth == 0 and not any(isinstance(b, Block) for b in body) and self.rng.random() < 0.15:
                body.append(self.block(inner, outer, depth + 1))
            elif outer and self.rng.random() < 0.5:
                body.append(self.update(inner, outer))
            else:
                stmt = self.assign(inner)
                body.append(stmt)
                inner.append(stmt.target)
        return Block(self.next_sid(), kind, var, head, limit, body)

    def program(self) -> Program:
        names = ["n"]
        body: list[Node] = []
        for _ in range(self.rng.randint(2, 5)):
            stmt = self.assign(names)
            body.append(stmt)
            names.append(stmt.target)
        if self.rng.random() < 0.75:
            body.append(self.block(names, names[1:], 0))
        for _ in range(self.rng.randint(1, 3)):
            if self.rng.random() < 0.3:
                body.append(self.update(names, names[1:]))
            else:
                stmt = self.assign(names)
                body.append(stmt)
                names.append(stmt.target)
        picked = self.rng.sample(names[1:], min(len(names) - 1, self.rng.randint(2, 4)))
        terms: list[str | int] = []
        for name in picked:
            terms += [name, "+"]
        terms.append(self.constant())
        body.append(Stmt(self.next_sid(), "return", "", Expr(terms)))
        return Program(body)


# -- edits ----------------------------------------------------------------------------------------------------


def _bodies(body: list[Node]) -> list[list[Node]]:
    out = [body]
    for node in body:
        if isinstance(node, Block):
            out += _bodies(node.body)
    return out


def _statements(body: list[Node]) -> list[Stmt]:
    out: list[Stmt] = []
    for node in body:
        if isinstance(node, Stmt):
            out.append(node)
        elif isinstance(node, Block):
            out += _statements(node.body)
    return out


def _bound_before(program: Program, body: list[Node], index: int) -> list[str]:
    """Names surely bound before ``body[index]`` runs: the parameter, the variables of the blocks around it and
    what is assigned before it in its body and in the bodies around it (not inside blocks, which may not run:
    names bound there are used only there)."""

    def search(current: list[Node], names: list[str]) -> list[str] | None:
        for k, node in enumerate(current):
            if current is body and k == index:
                return names
            if isinstance(node, Block):
                found = search(node.body, names + ([node.var] if node.var else []))
                if found is not None:
                    return found
            elif isinstance(node, Stmt) and node.kind in ("assign", "def") and node.target not in names:
                names = [*names, node.target]
        return names if current is body else None

    found = search(program.body, ["n"])
    assert found is not None
    return found


class Editor:
    KINDS = ("const", "insert_update", "insert_local", "delete", "rename", "note", "header", "closure")

    def __init__(self, gen: _Gen, program: Program) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.p = copy.deepcopy(program)
        self.done: list[str] = []

    def apply(self, kind: str) -> bool:
        return bool(getattr(self, "_" + kind)())

    def _const(self) -> bool:
        stmts = [s for s in _statements(self.p.body) if any(isinstance(t, int) for t in s.expr.terms[::2])]
        if not stmts:
            return False
        stmt = self.rng.choice(stmts)
        ks = [k for k, t in enumerate(stmt.expr.terms) if k % 2 == 0 and isinstance(t, int)]
        stmt.expr.terms[self.rng.choice(ks)] = self.gen.constant()
        self.done.append(f"const@{stmt.sid}")
        return True

    def _where(self) -> tuple[list[Node], int]:
        body = self.rng.choice(_bodies(self.p.body))
        # never after the return statement
        limit = len(body) - 1 if body is self.p.body else len(body)
        return body, self.rng.randint(0, limit)

    def _insert_update(self) -> bool:
        body, k = self._where()
        names = _bound_before(self.p, body, k)
        outer = [n for n in names if n.startswith("v")]
        if not outer:
            return False
        stmt = self.gen.update(names, outer)
        body.insert(k, stmt)
        self.done.append(f"insert_update@{stmt.sid}")
        return True

    def _insert_local(self) -> bool:
        """A new local, used by a later statement of the same body (or by the return)."""
        body, k = self._where()
        later = [s for s in body[k:] if isinstance(s, Stmt)]
        if not later:
            return False
        stmt = self.gen.assign(_bound_before(self.p, body, k))
        stmt.target = f"t{stmt.target[1:]}"
        user = self.rng.choice(later)
        body.insert(k, stmt)
        user.expr.terms += ["+", stmt.target]
        self.done.append(f"insert_local@{stmt.sid}->{user.sid}")
        return True

    def _delete(self) -> bool:
        """Only statements nothing depends on: updates of a variable (``v = v + ...``)."""
        cands = [
            (b, k)
            for b in _bodies(self.p.body)
            for k, s in enumerate(b)
            if isinstance(s, Stmt) and s.kind == "assign" and s.target in s.expr.uses()
        ]
        if not cands:
            return False
        body, k = self.rng.choice(cands)
        self.done.append(f"delete@{body[k].sid}")  # type: ignore[union-attr]
        del body[k]
        return True

    def _rename(self) -> bool:
        names = sorted({s.target for s in _statements(self.p.body) if s.kind == "assign"} - set(self.p.names))
        if not names:
            return False
        name = self.rng.choice(names)
        self.p.names[name] = "r" + name
        self.done.append(f"rename:{name}")
        return True

    def _note(self) -> bool:
        body, k = self._where()
        text = self.rng.choice(["", f"# note {self.gen.constant()}"])
        body.insert(k, Note(text))
        self.done.append("blank" if not text else "comment")
        return True

    def _header(self) -> bool:
        blocks = [n for b in _bodies(self.p.body) for n in b if isinstance(n, Block)]
        if not blocks:
            return False
        block = self.rng.choice(blocks)
        if block.kind == "if":
            block.limit += self.rng.choice([-30, 30])
        else:
            block.head = Expr([*block.head.terms, "+", 1])
        self.done.append(f"header@{block.sid}")
        return True

    def _closure(self) -> bool:
        """A nested function capturing a local (which becomes a cell), called by a later statement."""
        body, k = self._where()
        later = [s for s in body[k:] if isinstance(s, Stmt)]
        captured = [n for n in _bound_before(self.p, body, k) if n.startswith("v")]
        if not later or not captured:
            return False
        self.gen.var += 1
        fn = Stmt(self.gen.next_sid(), "def", f"g{self.gen.var}", Expr([self.rng.choice(captured)]))
        user = self.rng.choice(later)
        body.insert(k, fn)
        user.expr.terms += ["+", f"{fn.target}({self.gen.constant()})"]
        self.done.append(f"closure@{fn.sid}->{user.sid}")
        return True


# -- cases ----------------------------------------------------------------------------------------------------


@dataclass
class Case:
    id: int
    old: str
    new: str
    stop: int  # old line
    hit: int
    arg: int
    edits: list[str]
    targets: list[int]  # new lines the frame may rightly continue at (the first is the stop's counterpart)
    kept: bool  # the stop line is in the new source unchanged
    gap_note: bool  # the edited region around the stop holds a blank or comment line
    earlier: list[int]  # new lines of the statements that ran before the stop

    def child(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "old": self.old,
            "new": self.new,
            "line": self.stop,
            "hit": self.hit,
            "arg": self.arg,
        }


def _expected_targets(old: Program, new: Program, stop_sid: int) -> tuple[list[int], bool, bool, list[int]]:
    """The new lines a frame stopped at ``stop_sid`` may rightly continue at.

    A statement kept unchanged continues at itself. Otherwise the stop is in an edited region: the lines
    between the nearest unchanged statements around it, old and new (the engine maps a line of an edited
    region into the region's replacement); any statement of the new region will do (the oracle then says what
    continuing there must compute), or the next unchanged statement when the new region has none. Also
    returned: whether the stop is kept, whether the new region holds a blank or comment line, and the new lines
    of the statements that ran before the stop (a frame continuing there runs them again)."""
    new_text, new_where = new.render()
    old_texts, new_texts = old.texts(), new.texts()
    order = old.order()
    k = order.index(stop_sid)
    kept = {s for s in order if s in new_texts and old_texts[s].strip() == new_texts[s].strip()}
    earlier = [new_where[s] for s in order[:k] if s in new_where]
    if stop_sid in kept:
        return [new_where[stop_sid]], True, False, earlier
    before = next((new_where[s] for s in reversed(order[:k]) if s in kept), 1)
    after_sid = next((s for s in order[k + 1 :] if s in kept), None)
    after = new_where[after_sid] if after_sid is not None else len(new_text.splitlines()) + 1
    region = range(before + 1, after)
    starts = set(new_where.values())
    targets = [line for line in region if line in starts]
    gap_note = any(line not in starts for line in region)
    if not targets and after_sid is not None:
        targets = [after]
    return targets, False, gap_note, earlier


def generate(seed: int, count: int, start_id: int = 0) -> list[Case]:
    rng = random.Random(seed)
    gen = _Gen(rng)
    cases: list[Case] = []
    while len(cases) < count:
        old = gen.program()
        edit = Editor(gen, old)
        for kind in rng.sample(Editor.KINDS, rng.choice([1, 1, 2, 2, 3])):
            edit.apply(kind)
        if not edit.done:
            continue
        new = edit.p
        old_text, old_where = old.render()
        new_text, _ = new.render()
        if old_text == new_text:
            continue
        stripped = [s.strip() for s in new_text.splitlines() if s.strip()]
        if len(stripped) != len(set(stripped)):
            continue  # duplicate lines would make the line diff ambiguous
        arg = rng.randint(2, 5)
        _, events = run_plain(old_text, arg)
        simple = {old_where[s.sid] for s in _statements(old.body)}
        stops = [(line, hits) for line, hits in sorted(events.items()) if line in simple]
        if not stops:
            continue
        # half the stops in an edited region (a stop on an unchanged line is the easy case)
        old_texts, new_texts = old.texts(), new.texts()
        sid_at = {where: sid for sid, where in old_where.items()}
        edited = [(ln, h) for ln, h in stops if old_texts[sid_at[ln]] != new_texts.get(sid_at[ln])]
        line, hits = rng.choice(edited if edited and rng.random() < 0.5 else stops)
        sid = sid_at[line]
        targets, kept, gap_note, earlier = _expected_targets(old, new, sid)
        if not targets:
            continue
        cases.append(
            Case(
                start_id + len(cases),
                old_text,
                new_text,
                line,
                rng.randint(1, hits),
                arg,
                edit.done,
                targets,
                kept,
                gap_note,
                earlier,
            )
        )
    return cases


# --- running cases in a child interpreter --------------------------------------------------------------------


@dataclass
class ChildResult:
    id: int
    outcome: str  # "moved", "refused", "not-reached", "crashed"
    reason: str = ""
    line: int | None = None  # the new line a moved frame continues at
    result: Result | None = None
    detail: str = ""  # for a crash: how the child died and the end of its stderr
    planned: int | None = None  # for a crash: the new line the plan chose (the case run again, not applied)


def run_batches(
    python: str, cases: list[dict[str, Any]], batch: int = 100, timeout: float = 120.0
) -> list[ChildResult]:
    """Run ``cases`` in child interpreters, ``batch`` at a time. A child that dies (a signal, a fatal error, a
    hang) reports the case it was running as crashed; the cases after it run in a new child."""
    out: list[ChildResult] = []
    pending = list(cases)
    while pending:
        chunk, pending = pending[:batch], pending[batch:]
        results, crash = _run_child(python, chunk, timeout)
        out += results
        if crash is not None:
            out.append(crash)
            done = {r.id for r in results} | {crash.id}
            pending = [c for c in chunk if c["id"] not in done] + pending
    return out


def _run_child(
    python: str, chunk: list[dict[str, Any]], timeout: float
) -> tuple[list[ChildResult], ChildResult | None]:
    payload = "".join(json.dumps(c) + "\n" for c in chunk)
    env = {**os.environ, "PYTHONFAULTHANDLER": "1", "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen(
        [python, "-X", "faulthandler", str(CHILD)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        stdout, stderr = proc.communicate(payload, timeout=timeout)
        died = f"exit status {proc.returncode}"
        if proc.returncode < 0:
            died = f"killed by {signal.Signals(-proc.returncode).name}"
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        died = f"hung (killed after {timeout:.0f} s)"
    results: list[ChildResult] = []
    started: int | None = None
    for row in stdout.splitlines():
        if row.startswith("S "):
            started = int(row[2:])
        elif row.startswith("R "):
            results.append(ChildResult(**json.loads(row[2:])))
            started = None
    if proc.returncode == 0 and started is None and len(results) == len(chunk):
        return results, None
    if started is None:  # died between cases (or before the first one)
        done = {r.id for r in results}
        started = next(c["id"] for c in chunk if c["id"] not in done)
    tail = "\n".join(stderr.strip().splitlines()[-12:])
    return results, ChildResult(started, "crashed", detail=f"{died}\n{tail}")


# --- checking ------------------------------------------------------------------------------------------------

KNOWN_UNBOUND = (
    "3.12+: a moved frame reaches a local that the new code's compiler proved bound (a LOAD_FAST without a "
    "NULL check) but that the frame never assigned: the interpreter reads NULL and crashes"
)
KNOWN_GAP_NOTE = (
    "a stop line in an edited region maps to a blank or comment line of the new region; the frame then "
    "continues at the next unchanged statement, so the region's new statements never run"
)


@dataclass
class Verdict:
    case: Case
    got: ChildResult
    ok: bool
    why: str = ""
    known: str = ""  # the known engine bug this failure is explained by


def check(case: Case, got: ChildResult, version: tuple[int, int]) -> Verdict:
    """Does the outcome of ``case`` in a child running Python ``version`` agree with the oracle?

    Moved: to one of the lines the frame may rightly continue at, the blocks held there the same as at the
    stop, and the result the hybrid's (old code before the stop, new code from that line on). Refused: the
    result is the old function's. Never crashed. A failure is put down to a known engine bug only when the
    bug accounts for all of it; any other difference stays unexplained."""
    if got.outcome == "not-reached":
        return Verdict(case, got, False, "the stop point was not reached")
    if got.outcome == "refused":
        old_result, _ = run_plain(case.old, case.arg)
        if got.result != old_result:
            why = f"refused ({got.reason}) but the result {got.result} is not the old function's {old_result}"
            return Verdict(case, got, False, why)
        return Verdict(case, got, True)
    line = got.line if got.outcome == "moved" else got.planned
    where = f"new line {line}" if line is not None else "an unknown line"
    known: list[str] = []
    hybrid = None
    if line is not None:
        try:
            hybrid = run_hybrid(case.old, case.new, case.arg, case.stop, case.hit, line)
        except LookupError as exc:
            return Verdict(case, got, False, f"{got.outcome} to {where}, which starts no statement ({exc})")
    why = ""
    if line not in case.targets:
        why = f"{got.outcome} to {where}, expected one of {case.targets}; "
        if case.gap_note:
            known.append(KNOWN_GAP_NOTE)
        else:
            return Verdict(case, got, False, why)
    if hybrid is not None and hybrid.refuse is not None:
        return Verdict(case, got, False, f"{why}{got.outcome} to {where}, but {hybrid.refuse}")
    if got.outcome == "crashed":
        why += f"the child crashed (the frame moved to {where}): {got.detail}"
        if version >= (3, 12) and hybrid is not None and hybrid.result == ["error", "NameError"]:
            return Verdict(case, got, False, why, " AND ".join([*known, KNOWN_UNBOUND]))
        return Verdict(case, got, False, why)
    assert hybrid is not None
    if got.result != hybrid.result:
        return Verdict(case, got, False, f"{why}result {got.result}, the hybrid's is {hybrid.result}")
    return Verdict(case, got, not known, why, " AND ".join(known))


def reason_key(reason: str) -> str:
    """A refusal's reason without its particulars (line numbers, names, sizes)."""
    for key in (
        "block that the edit changed",
        "same block depth",
        "bigger frame",
        "outer variable",
        "no matching statement",
        "spans several lines",
        "middle of an expression",
        "already ran",
        "no value",
    ):
        if key in reason:
            return key
    return reason[:60]


@dataclass
class Tally:
    python: str
    cases: int = 0
    moved: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    crashed: int = 0
    rerun: int = 0  # moved to a statement that had run before the stop (it runs again)
    failures: list[Verdict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def unexplained(self) -> list[Verdict]:
        return [v for v in self.failures if not v.known]

    def known(self) -> Counter[str]:
        return Counter(v.known for v in self.failures if v.known)


def run_random(
    python: str,
    version: tuple[int, int],
    seed: int,
    count: int,
    batch: int = 100,
    progress: Callable[[str], None] | None = None,
) -> Tally:
    """Generate ``count`` cases from ``seed``, run them under ``python`` and check every outcome."""
    started = time.perf_counter()
    cases = generate(seed, count)
    by_id = {c.id: c for c in cases}
    got = run_batches(python, [c.child() for c in cases], batch=batch)
    crashed = [r for r in got if r.outcome == "crashed"]
    if crashed:  # where did those frames go? The same cases again, planned but not moved
        dry = [{**by_id[r.id].child(), "dry": True} for r in crashed]
        planned = {r.id: r.line for r in run_batches(python, dry, batch=batch) if r.outcome == "planned"}
        for r in crashed:
            r.planned = planned.get(r.id)
    tally = Tally(python, cases=len(cases))
    for r in sorted(got, key=lambda r: r.id):
        if r.outcome == "moved":
            tally.moved += 1
            tally.rerun += r.line in by_id[r.id].earlier
        elif r.outcome == "refused":
            tally.refused[reason_key(r.reason)] += 1
        elif r.outcome == "crashed":
            tally.crashed += 1
        verdict = check(by_id[r.id], r, version)
        if not verdict.ok:
            tally.failures.append(verdict)
            if progress is not None:
                progress(describe(verdict))
    tally.seconds = time.perf_counter() - started
    return tally


def describe(v: Verdict) -> str:
    c = v.case
    return (
        f"case {c.id} (edits {', '.join(c.edits)}; stop at old line {c.stop}, hit {c.hit}; f({c.arg})): {v.why}"
        + (f"\n  known engine bug: {v.known}" if v.known else "")
        + f"\n--- old\n{c.old}--- new\n{c.new}"
    )
