"""Moving a stopped frame into edited code, case by case: where it is stopped (first line, middle line, in a
``for`` loop, in a ``with`` block, in ``try``, in ``except``, on a loop header) x what the edit does (a constant
on a later line, a new local, a removed local, a new closure, a changed loop header, a changed ``with``
header), plus the refusals with their reasons and the engine's known bugs.

Every case runs in a child interpreter (``move_child.py``: the frame is stopped by a real line event, a
``sys.monitoring`` LINE callback on 3.12+ or a ``sys.settrace`` 'line' event on 3.11, and moved inside the
callback), so a crash is a failing case, not a dead test run. Where the frame must continue is written here by
hand; what it must then compute comes from the oracle (``movecases.run_hybrid``: old code before the stop, new
code from that line on, run statement by statement without touching a frame), itself checked against numbers
worked out by hand.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import pytest

from .movecases import PRELUDE, ChildResult, normalise_error, run_batches, run_hybrid, run_plain

ARG = 4
BASE = """\
def f(n):
    a = n + 1
    b = a * 2
    total = 0
    for i in range(n):
        total = total + i * b
    with C(7) as c:
        total = total + c * 3
    try:
        total = total + 1
        raise ValueError(total)
    except ValueError:
        total = total + 100
    return total + a - 1000
"""
# f(4): a = 5, b = 10, the loop adds 10 * (0 + 1 + 2 + 3) = 60, the with 21, try 1, except 100: 182 - 995
OLD_RESULT = ["ok", -813, [7]]

STOPS = {  # name -> (line, hit)
    "first": (2, 1),
    "middle": (3, 1),
    "loop": (6, 3),  # i == 2: the old code added i * b for i = 0, 1
    "with": (8, 1),
    "try": (10, 1),
    "except": (13, 1),
    "loop header": (5, 3),  # about to take i == 2
}


def _edit(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


EDITS = {
    "constant": _edit(("return total + a - 1000", "return total + a + 1000")),
    "add local": _edit(
        ("    return total + a - 1000", "    extra = total % 7 + a\n    return total + a - 1000 + extra")
    ),
    "remove local": _edit(("    b = a * 2\n", ""), ("total + i * b", "total + i * a * 3")),
    "closure": _edit(
        ("    return total + a - 1000", "    def g(x):\n        return x + a + total\n    return g(1) - 1000")
    ),
    "loop header": _edit(("range(n)", "range(n + 1)")),
    "with header": _edit(("C(7)", "C(8)")),
}

SAME = {line: line for line, _ in STOPS.values()}
# Where each stop continues in each edit's new code: "remove local" drops line 3, the rest keep their lines.
LINES = {edit: dict(SAME) for edit in EDITS}
LINES["remove local"] = {2: 2, 3: 3, 6: 5, 8: 7, 10: 9, 13: 12, 5: 4}

LOOP_BLOCK = "inside a loop, `with` or `except` block that the edit changed"
REFUSED = {  # (edit, stop) -> what the reason must say; every other pair moves
    ("loop header", "loop"): LOOP_BLOCK,
    ("with header", "with"): LOOP_BLOCK,
}
KNOWN_BUGS: dict[tuple[str, str], str] = {}  # (edit, stop) -> an engine bug that case shows
EXPECTED_REFUSAL = {("loop header", "loop header"): "loop"}


@dataclass(frozen=True)
class Case:
    id: int
    name: str
    old: str
    new: str
    line: int
    hit: int
    target: int | None  # the new line it must continue at; None: it must be refused
    reason: str = ""  # for a refusal: what the reason must mention
    arg: int = ARG

    def child(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "old": self.old,
            "new": self.new,
            "line": self.line,
            "hit": self.hit,
            "arg": self.arg,
        }


def _matrix() -> list[Case]:
    cases = []
    for edit, new in EDITS.items():
        for stop, (line, hit) in STOPS.items():
            reason = REFUSED.get((edit, stop)) or EXPECTED_REFUSAL.get((edit, stop), "")
            target = None if reason else LINES[edit][line]
            cases.append(Case(len(cases), f"{edit} / stopped {stop}", BASE, new, line, hit, target, reason))
    return cases


MATRIX = _matrix()

# -- refusals the matrix does not reach, and the engine's known bugs, each as a case of its own ----------------

NESTED_OLD = """\
def outer():
    k = 5
    def f(n):
        a = n + 1
        return a * 2
    return f, k
f, _k = outer()
"""
BIGGER = "".join(f"    x{k} = a + {k}\n" for k in range(24))
ADDED_ABOVE_OLD = "def f(n):\n    a = n + 1\n    b = a * 2\n    return a + b\n"
ADDED_ABOVE_NEW = "def f(n):\n    a = n + 1\n    k = 3\n    b = a * 2\n    return a + b + k\n"
BLANK_OLD = "def f(n):\n    a = n + 1\n    b = 0\n    b = a * 2\n    return a + b\n"
BLANK_NEW = "def f(n):\n    a = n + 1\n    b = 0\n\n    b = a * 20\n    return a + b\n"
RERUN_OLD = "def f(n):\n    acc = n\n    acc = acc + 10\n    acc = acc * 2\n    return acc\n"
RERUN_NEW = "def f(n):\n    acc = n\n    acc = acc + 20\n    return acc\n"

_n = len(MATRIX)
OUTER = Case(
    _n,
    "a nested function starts using a variable of its enclosing function",
    NESTED_OLD,
    NESTED_OLD.replace("return a * 2", "return a * k"),
    5,
    1,
    None,
    "outer variable",
)
TOO_BIG = Case(
    _n + 1,
    "24 new locals",
    BASE,
    _edit(("    total = 0\n", "    total = 0\n" + BIGGER)),
    3,
    1,
    None,
    "bigger frame",
)
EXCEPT_HEADER = Case(
    _n + 2,
    "the except header changed while stopped in the except block",
    BASE,
    _edit(("except ValueError:", "except (ValueError, KeyError):")),
    13,
    1,
    None,
    LOOP_BLOCK,
)
# A local added above the stop and used below it: the frame never ran its assignment, so it must be refused
# (3.12+ read such a local without a check: moving would crash the interpreter).
ADDED_ABOVE = Case(
    _n + 3, "a local added above the stop, used below it", ADDED_ABOVE_OLD, ADDED_ABOVE_NEW, 3, 1, 4
)
# The stop line edited, with a blank line added above it: the frame must run the edited line.
BLANK_ABOVE = Case(_n + 4, "an edited stop line with a blank line above", BLANK_OLD, BLANK_NEW, 4, 1, 5)
# The stop line deleted and the line above it (which already ran) edited: the frame must not run it again.
RERUN = Case(_n + 5, "the stop line deleted, the line above edited", RERUN_OLD, RERUN_NEW, 4, 1, 4)
EXTRA = [OUTER, TOO_BIG, EXCEPT_HEADER, ADDED_ABOVE, BLANK_ABOVE, RERUN]


@pytest.fixture(scope="module")
def outcomes() -> dict[int, ChildResult]:
    """Every case of this module, run once, in child interpreters of the Python that runs the tests."""
    results = run_batches(sys.executable, [c.child() for c in [*MATRIX, *EXTRA]])
    return {r.id: r for r in results}


def _old_result(case: Case) -> list[Any]:
    """The old function's result, from real Python (no oracle, no tracing)."""
    ns: dict[str, Any] = {}
    exec(PRELUDE, ns)
    exec(case.old, ns)
    try:
        return ["ok", ns["f"](case.arg), list(ns["EXITS"])]
    except Exception as exc:
        return normalise_error(exc)


def _assert_outcome(case: Case, got: ChildResult) -> None:
    assert got.outcome != "crashed", f"{case.name}: the program crashed\n{got.detail}"
    if case.target is None:
        assert got.outcome == "refused", f"{case.name}: expected a refusal ({case.reason}), got {got}"
        assert case.reason in got.reason, f"{case.name}: {got.reason!r} does not mention {case.reason!r}"
        assert got.result == _old_result(case), f"{case.name}: a refused frame must finish its old code"
        return
    assert got.outcome == "moved", f"{case.name}: expected a move to line {case.target}, got {got}"
    assert got.line == case.target, f"{case.name}: moved to line {got.line}, expected {case.target}"
    hybrid = run_hybrid(case.old, case.new, case.arg, case.line, case.hit, case.target)
    assert hybrid.refuse is None, hybrid.refuse
    assert got.result == hybrid.result, f"{case.name}: result {got.result}, expected {hybrid.result}"


def _param(case: Case) -> Any:
    key = tuple(case.name.split(" / stopped "))
    bug = KNOWN_BUGS.get(key)  # type: ignore[arg-type]
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in MATRIX])
def test_matrix(case: Case, outcomes: dict[int, ChildResult]) -> None:
    _assert_outcome(case, outcomes[case.id])


@pytest.mark.parametrize("case", [OUTER, TOO_BIG, EXCEPT_HEADER], ids=lambda c: c.name)
def test_refusals_say_why_and_the_frame_finishes_its_old_code(
    case: Case, outcomes: dict[int, ChildResult]
) -> None:
    _assert_outcome(case, outcomes[case.id])


def test_a_local_added_above_the_stop_fails_cleanly_or_is_refused(outcomes: dict[int, ChildResult]) -> None:
    got = outcomes[ADDED_ABOVE.id]
    assert got.outcome == "refused", f"expected a refusal, got {got}\n{got.detail}"
    assert "reads k" in got.reason, got.reason
    assert "no value" in got.reason, got.reason
    assert got.result == _old_result(ADDED_ABOVE), got


def test_an_edited_stop_line_with_a_blank_line_above_runs(outcomes: dict[int, ChildResult]) -> None:
    _assert_outcome(BLANK_ABOVE, outcomes[BLANK_ABOVE.id])


def test_a_deleted_stop_line_does_not_run_the_line_above_again(outcomes: dict[int, ChildResult]) -> None:
    got = outcomes[RERUN.id]
    # the diff sees one edited block (the `+ 10` line that ran, and the deleted stop line): which new line
    # matches the stop cannot be told, so the frame keeps its old code rather than run `+ 20` after `+ 10`
    assert got.outcome == "refused", got
    assert "already ran" in got.reason, got.reason
    assert got.result == _old_result(RERUN), got


def test_the_oracle_agrees_with_hand_worked_numbers() -> None:
    """The oracle's hybrids for a few cases, worked out by hand (f(4): a = 5, b = 10)."""
    assert run_plain(BASE, ARG)[0] == OLD_RESULT
    assert _old_result(MATRIX[0]) == OLD_RESULT

    def hybrid(edit: str, stop: str) -> list[Any]:
        line, hit = STOPS[stop]
        h = run_hybrid(BASE, EDITS[edit], ARG, line, hit, LINES[edit][line])
        assert h.refuse is None
        return h.result

    for stop in ("first", "middle", "loop", "with", "try", "except"):
        assert hybrid("constant", stop) == ["ok", 1187, [7]]  # 182 + 5 + 1000
    # i = 0, 1 by the old code (0 + 10), i = 2, 3 by the new (2 * 15 + 3 * 15): 85 + 21 + 1 + 100 - 995
    assert hybrid("remove local", "loop") == ["ok", -788, [7]]
    assert hybrid("remove local", "first") == ["ok", -783, [7]]  # 15 * 6 = 90: 212 - 995
    assert hybrid("loop header", "first") == ["ok", -773, [7]]  # i = 0..4: 100 + 122 - 995
    assert hybrid("with header", "loop") == ["ok", -810, [8]]  # c = 8: 60 + 24 + 101 - 995
    assert hybrid("add local", "except") == ["ok", -813 + 182 % 7 + 5, [7]]
    assert hybrid("closure", "try") == ["ok", 1 + 5 + 182 - 1000, [7]]
    assert run_hybrid(BASE, EDITS["loop header"], ARG, 6, 3, 6).refuse is not None  # the body: must refuse
    assert run_hybrid(BASE, EDITS["loop header"], ARG, 5, 3, 5).refuse is not None  # the header too
