"""Breakpoints: line (with condition, hit condition, log message), temporary run-to-line, function, exception.

Line breakpoints are verified against the compiled source: a line without code moves to the next line that has
code (as VS Code and debugpy do); a file that cannot be read or compiled leaves the breakpoint unverified, with
the reason in `message`.
"""

from __future__ import annotations

import itertools
import operator
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import CodeType, FrameType

from .sources import canonical

_ids = itertools.count(1)

_HIT_RE = re.compile(r"^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$")
_HIT_OPS = {
    "==": operator.eq,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "%": lambda hits, n: n > 0 and hits % n == 0,
}


@dataclass
class Breakpoint:
    id: int
    path: str | None  # canonical path; None for function breakpoints
    line: int | None
    verified: bool = False
    message: str | None = None  # why it is unverified, or where it moved
    condition: str | None = None
    hit_condition: str | None = None
    log_message: str | None = None
    temporary: bool = False  # run-to-line: removed at its first stop
    function: str | None = None  # function breakpoints: "name", "Class.method" or "module.name"
    hits: int = 0
    requested_line: int | None = None

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"id": self.id, "verified": self.verified}
        if self.line is not None:
            d["line"] = self.line
        if self.path:
            d["source"] = {"path": self.path, "name": os.path.basename(self.path)}
        if self.message:
            d["message"] = self.message
        return d


@dataclass
class BreakpointSpec:
    line: int
    condition: str | None = None
    hit_condition: str | None = None
    log_message: str | None = None


def check_hit_condition(expr: str | None, hits: int) -> bool:
    if not expr:
        return True
    m = _HIT_RE.match(expr)
    if not m:
        raise ValueError(f"hit condition {expr!r}: use N, ==N, >=N, >N, <=N, <N or %N")
    return _HIT_OPS[m.group(1) or "=="](hits, int(m.group(2)))


def code_lines(code: CodeType) -> set[int]:
    """Every line that has code, in this code object and all nested ones."""
    lines: set[int] = set()
    stack = [code]
    while stack:
        c = stack.pop()
        lines.update(line for _, _, line in c.co_lines() if line is not None)
        stack.extend(k for k in c.co_consts if isinstance(k, CodeType))
    return lines


def executable_lines(path: str) -> set[int]:
    """Lines of a file that a breakpoint can stop on. Raises OSError / SyntaxError."""
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    lines = code_lines(code)
    # `def`/`class` header lines execute once at import; keep them, they are real stops too.
    return lines


def format_log_message(template: str, frame: FrameType) -> str:
    """Interpolate `{expr}` parts of a log point in the frame (`{{` and `}}` are literal braces)."""
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "{" and template.startswith("{{", i):
            out.append("{")
            i += 2
        elif ch == "}" and template.startswith("}}", i):
            out.append("}")
            i += 2
        elif ch == "{":
            end = template.find("}", i)
            if end < 0:
                out.append(template[i:])
                break
            expr = template[i + 1 : end]
            try:
                out.append(str(eval(expr, frame.f_globals, frame.f_locals)))
            except Exception as exc:
                out.append(f"<{type(exc).__name__}: {exc}>")
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@dataclass
class BreakpointTable:
    """All breakpoints of a session. Read from the tracing callbacks, so the hot lookups are plain dicts."""

    by_path: dict[str, dict[int, Breakpoint]] = field(default_factory=dict)
    functions: list[Breakpoint] = field(default_factory=list)
    exception_filters: frozenset[str] = frozenset({"uncaught"})
    lock: threading.RLock = field(default_factory=threading.RLock)

    def set_lines(self, path: str, specs: Iterable[BreakpointSpec]) -> list[Breakpoint]:
        path = canonical(path)
        try:
            valid: set[int] | None = executable_lines(path)
            reason = None
        except (OSError, SyntaxError, ValueError) as exc:
            valid, reason = None, _unverified_reason(path, exc)
        old = self.by_path.get(path, {})
        result: list[Breakpoint] = []
        new: dict[int, Breakpoint] = {}
        for spec in specs:
            line, message = spec.line, None
            if valid is not None and line not in valid:
                later = [n for n in valid if n > line]
                if later:
                    line = min(later)
                    message = f"moved from line {spec.line} to {line}, the next line with code"
            previous = next((b for b in old.values() if b.requested_line == spec.line), None)
            bp = Breakpoint(
                id=previous.id if previous else next(_ids),
                path=path,
                line=line,
                verified=valid is not None and line in valid,
                message=message
                if valid is not None and line in valid
                else (reason or "no code at or after this line"),
                condition=spec.condition or None,
                hit_condition=spec.hit_condition or None,
                log_message=spec.log_message or None,
                hits=previous.hits
                if previous
                and (previous.condition, previous.hit_condition) == (spec.condition, spec.hit_condition)
                else 0,
                requested_line=spec.line,
            )
            result.append(bp)
            if bp.verified:
                new[bp.line] = bp  # type: ignore[index]
        with self.lock:
            # keep run-to-line temporaries of this file
            for line, bp in old.items():
                if bp.temporary and line not in new:
                    new[line] = bp
            if new:
                self.by_path[path] = new
            else:
                self.by_path.pop(path, None)
        return result

    def add_temporary(self, path: str, line: int) -> Breakpoint:
        path = canonical(path)
        valid = executable_lines(path)
        later = sorted(n for n in valid if n >= line)
        if not later:
            raise ValueError(f"{os.path.basename(path)}:{line}: no code at or after this line")
        bp = Breakpoint(
            id=next(_ids), path=path, line=later[0], verified=True, temporary=True, requested_line=line
        )
        with self.lock:
            existing = self.by_path.setdefault(path, {})
            if bp.line not in existing:
                existing[bp.line] = bp  # type: ignore[index]
        return bp

    def remove_temporaries(self) -> None:
        with self.lock:
            for path in list(self.by_path):
                kept = {n: b for n, b in self.by_path[path].items() if not b.temporary}
                if kept:
                    self.by_path[path] = kept
                else:
                    del self.by_path[path]

    def set_functions(self, names: Iterable[tuple[str, str | None, str | None]]) -> list[Breakpoint]:
        result = []
        for name, condition, hit_condition in names:
            ok = bool(re.fullmatch(r"[A-Za-z_][\w.]*", name.strip()))
            result.append(
                Breakpoint(
                    id=next(_ids),
                    path=None,
                    line=None,
                    function=name.strip(),
                    verified=ok,
                    message=None if ok else f"{name!r} is not a function name",
                    condition=condition or None,
                    hit_condition=hit_condition or None,
                )
            )
        with self.lock:
            self.functions = [b for b in result if b.verified]
        return result

    def function_match(self, code: CodeType, module: str | None) -> Breakpoint | None:
        for bp in self.functions:
            name = bp.function or ""
            if module is None:  # a quick pre-check without the module: the last part must match
                if name.rsplit(".", 1)[-1] == code.co_name:
                    return bp
                continue
            if name in (code.co_name, code.co_qualname) or (
                module and name in (f"{module}.{code.co_qualname}", f"{module}.{code.co_name}")
            ):
                return bp
        return None

    def remap(self, path: str, line_map: dict[int, int | None]) -> list[Breakpoint]:
        """Move the file's breakpoints after a reload (old line -> new line); a deleted line unverifies it."""
        path = canonical(path)
        with self.lock:
            old = self.by_path.get(path, {})
            new: dict[int, Breakpoint] = {}
            changed = []
            for line, bp in old.items():
                target = line_map.get(line, line)
                if target is None:
                    bp.verified = False
                    bp.message = "its line was deleted by a reload"
                    changed.append(bp)
                    continue
                if target != line:
                    bp.line = target
                    bp.requested_line = target
                    changed.append(bp)
                new[target] = bp
            if new:
                self.by_path[path] = new
            else:
                self.by_path.pop(path, None)
        return changed

    def all(self) -> list[Breakpoint]:
        with self.lock:
            lines = [b for d in self.by_path.values() for b in d.values() if not b.temporary]
            return sorted(lines, key=lambda b: (b.path or "", b.line or 0)) + list(self.functions)


def _unverified_reason(path: str, exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"{path} does not exist"
    if isinstance(exc, SyntaxError):
        return f"{os.path.basename(path)} has a syntax error at line {exc.lineno}: {exc.msg}"
    return f"cannot read {path}: {exc}"
