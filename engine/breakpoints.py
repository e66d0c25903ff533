"""Breakpoints: line (with condition, hit condition, log message), temporary run-to-line, function, exception.

Line breakpoints are verified against the compiled source: a line without code moves to the next line that has
code (as VS Code and debugpy do); a file that cannot be read or compiled leaves the breakpoint unverified, with
the reason in `message`. After a hot reload, `remap` moves a file's breakpoints with their lines; one whose line
was removed stays listed, unverified (it never stops), until the file's breakpoints are set again.
"""

from __future__ import annotations

import itertools
import operator
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import CodeType, FrameType

from .sources import canonical

_ids = itertools.count(1)

_HIT_RE = re.compile(r"^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$")
_HIT_OPS: dict[str, Callable[[int, int], bool]] = {
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
    temporary: bool = False  # run-to-line: removed at the program's next stop, wherever it is
    function: str | None = None  # function breakpoints: "name", "Class.method" or "module.name"
    hits: int = 0
    requested_line: int | None = None
    run: object = field(default=None, repr=False, compare=False)  # run-to-line: the program's run it is for

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


def passes(bp: Breakpoint, frame: FrameType, say: Callable[[str], None]) -> bool:
    """Does the breakpoint stop in this frame: its condition, hit count and log message (said with `say`, and
    then it does not stop). A broken condition stops and says why."""
    if bp.condition:
        try:
            if not eval(bp.condition, frame.f_globals, frame.f_locals):
                return False
        except Exception as exc:
            say(f"breakpoint condition {bp.condition!r} failed: {exc!r}\n")
            return True
    bp.hits += 1
    try:
        if not check_hit_condition(bp.hit_condition, bp.hits):
            return False
    except ValueError as exc:
        say(f"{exc}\n")
    if bp.log_message:
        say(format_log_message(bp.log_message, frame) + "\n")
        return False
    return True


@dataclass
class BreakpointTable:
    """All breakpoints of a session. Read from the tracing callbacks, so the hot lookups are plain dicts."""

    by_path: dict[str, dict[int, Breakpoint]] = field(default_factory=dict)
    functions: list[Breakpoint] = field(default_factory=list)
    # line breakpoints whose line a hot reload removed: unverified, never hit (tracing reads only by_path), but
    # still listed (and so kept by the front ends and the saved project state) until the file's breakpoints
    # are set again
    orphans: dict[str, list[Breakpoint]] = field(default_factory=dict)
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
        known = [*old.values(), *self.orphans.get(path, ())]
        result: list[Breakpoint] = []
        new: dict[int, Breakpoint] = {}
        for spec in specs:
            line, message = spec.line, None
            if valid is not None and line not in valid:
                later = [n for n in valid if n > line]
                if later:
                    line = min(later)
                    message = f"moved from line {spec.line} to {line}, the next line with code"
            previous = next((b for b in known if b.requested_line == spec.line), None)
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
            self.orphans.pop(path, None)  # the front end's list for the file replaces them
            # keep run-to-line temporaries of this file
            for line, bp in old.items():
                if bp.temporary and line not in new:
                    new[line] = bp
            if new:
                self.by_path[path] = new
            else:
                self.by_path.pop(path, None)
        return result

    def add_temporary(self, path: str, line: int, run: object = None) -> Breakpoint:
        """A run-to-line breakpoint for `run` (the program's run it belongs to). Replaces any earlier one."""
        path = canonical(path)
        valid = executable_lines(path)
        later = sorted(n for n in valid if n >= line)
        if not later:
            raise ValueError(f"{os.path.basename(path)}:{line}: no code at or after this line")
        bp = Breakpoint(
            id=next(_ids),
            path=path,
            line=later[0],
            verified=True,
            temporary=True,
            requested_line=line,
            run=run,
        )
        with self.lock:
            self.remove_temporaries()
            existing = self.by_path.setdefault(path, {})
            if bp.line not in existing:
                existing[bp.line] = bp  # type: ignore[index]
        return bp

    def remove_temporaries(self) -> None:
        with self.lock:
            for path, bps in list(self.by_path.items()):
                if any(b.temporary for b in bps.values()):
                    kept = {n: b for n, b in bps.items() if not b.temporary}
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

    def remap(self, path: str, line_map: dict[int, int | None]) -> list[tuple[str, Breakpoint]]:
        """Move the file's breakpoints after a reload (old line -> new line). Returns what to tell the front end,
        as ("changed" | "removed", breakpoint).

        - A breakpoint whose line was removed stays in the table, unverified, with the reason, placed where its
          line was; it never stops (it is not in ``by_path``) until the file's breakpoints are set again.
        - Two breakpoints moved onto the same line are merged: the first in the file stays (a user breakpoint
          before a run-to-line temporary), the other is removed and reported, its message naming the one kept.
        """
        path = canonical(path)
        out: list[tuple[str, Breakpoint]] = []
        with self.lock:
            orphans = self.orphans.get(path, [])
            _move_orphans(orphans, line_map, out)
            landing = _landings(self.by_path.get(path, {}), line_map, orphans, out)
            new = _merge(landing, out)
            if new:
                self.by_path[path] = new
            else:
                self.by_path.pop(path, None)
            if orphans:
                self.orphans[path] = sorted(orphans, key=lambda b: b.line or 0)
        return out

    def all(self) -> list[Breakpoint]:
        with self.lock:
            lines = [b for d in self.by_path.values() for b in d.values() if not b.temporary]
            lines += [b for bs in self.orphans.values() for b in bs]
            return sorted(lines, key=lambda b: (b.path or "", b.line or 0)) + list(self.functions)


def _move_orphans(
    orphans: list[Breakpoint], line_map: dict[int, int | None], out: list[tuple[str, Breakpoint]]
) -> None:
    """Breakpoints an earlier reload removed the line of: they stay where their line was."""
    for bp in orphans:
        line = bp.line or 1
        target = line_map.get(line, line)
        if target is None:
            target = _where_removed(line, line_map)
        if target != line:
            bp.line = bp.requested_line = target
            out.append(("changed", bp))


def _landings(
    old: dict[int, Breakpoint],
    line_map: dict[int, int | None],
    orphans: list[Breakpoint],
    out: list[tuple[str, Breakpoint]],
) -> dict[int, list[tuple[int, Breakpoint]]]:
    """new line -> the (old line, breakpoint)s that land on it; those whose line was removed become orphans (a
    run-to-line is dropped)."""
    landing: dict[int, list[tuple[int, Breakpoint]]] = {}
    for line, bp in sorted(old.items()):
        target = line_map.get(line, line)
        if target is not None:
            landing.setdefault(target, []).append((line, bp))
        elif not bp.temporary:
            bp.verified = False
            bp.message = "its line was removed by the reload"
            bp.line = bp.requested_line = _where_removed(line, line_map)
            orphans.append(bp)
            out.append(("changed", bp))
    return landing


def _merge(
    landing: dict[int, list[tuple[int, Breakpoint]]], out: list[tuple[str, Breakpoint]]
) -> dict[int, Breakpoint]:
    """One breakpoint per new line: the first in the file (a user breakpoint before a run-to-line) is kept and
    moved there; the others are removed."""
    new: dict[int, Breakpoint] = {}
    for target, group in landing.items():
        group.sort(key=lambda e: (e[1].temporary, e[0]))
        (line, kept), *merged = group
        if target != line:
            kept.line = kept.requested_line = target
            if not kept.temporary:
                out.append(("changed", kept))
        new[target] = kept
        for line, bp in merged:
            if bp.temporary:
                continue
            bp.verified = False
            bp.message = (
                f"merged into breakpoint {kept.id}: the reload moved line {line} onto line {target}, "
                "where that breakpoint is"
            )
            bp.line = target
            out.append(("removed", bp))
    return new


def _where_removed(line: int, line_map: dict[int, int | None]) -> int:
    """Where a removed old line was in the new source: after the nearest line above it that was kept."""
    above = [new for old, new in line_map.items() if old < line and new is not None]
    return max(above) + 1 if above else 1


def _unverified_reason(path: str, exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"{path} does not exist"
    if isinstance(exc, SyntaxError):
        return f"{os.path.basename(path)} has a syntax error at line {exc.lineno}: {exc.msg}"
    return f"cannot read {path}: {exc}"
