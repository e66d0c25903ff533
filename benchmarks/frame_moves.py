"""Edit and continue at scale: random functions, random edits, a frame stopped at a random line of each and moved
into the new code, on every Python this machine has; prints how many moved, were refused (and why), crashed.

    python benchmarks/frame_moves.py                     # 2,000 cases on 3.11, 3.12 and 3.13
    python benchmarks/frame_moves.py --cases 500 --python 3.12 --seed 7 --show 2

The cases, the oracle and the child interpreters are those of tests/framecode/test_move_random.py
(tests/framecode/movecases.py, move_child.py) at a larger size. Interpreters are found as .ci/run finds them
(benchmarks/interpreters.py: pyenv's 3.X*, then python3.X on PATH); the cases run under whichever interpreter of
that version can import dapper_tui (the interpreter itself, or a venv of the repo built on it: .venv-3.X,
.venv-ci-3.X, benchmarks/.env-3.X). A version with none is reported and skipped.

Columns: moved / refused (the most common reasons) / crashed (a child killed by a signal or a fatal error);
"wrong" counts the cases whose outcome disagrees with the oracle (a crash is one too), "of them known" those a
known engine bug accounts for (movecases.KNOWN_*); "re-run" the moves to a statement that had already run.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import interpreters
from interpreters import VERSIONS
from table import print_rows

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
_spec = importlib.util.spec_from_file_location("movecases", REPO / "tests" / "framecode" / "movecases.py")
assert _spec is not None
assert _spec.loader is not None
movecases = importlib.util.module_from_spec(_spec)
sys.modules["movecases"] = movecases  # dataclasses look their module up by name
_spec.loader.exec_module(movecases)


def _version_of(python: str) -> str | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _can_move(python: str) -> bool:
    probe = "import dapper_tui.engine.framecode as f; raise SystemExit(f.unsupported() is not None)"
    return subprocess.run([python, "-c", probe], capture_output=True, timeout=60).returncode == 0


def find_python(version: str) -> tuple[str | None, str]:
    """The interpreter to run ``version``'s cases with, and what was found (for the table when none fits)."""
    base = interpreters.find_python(version)
    found = [base] if base else []
    venvs = [REPO / f".venv-{version}", REPO / f".venv-ci-{version}", HERE / f".env-{version}"]
    candidates = found + [str(v / "bin" / "python") for v in venvs if (v / "bin" / "python").exists()]
    for python in candidates:
        if _version_of(python) == version and _can_move(python):
            return python, python
    if not found:
        return None, "not found"
    return None, f"{found[0]} cannot import dapper_tui (pip install -e . into it, or make .venv-{version})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20250611)
    parser.add_argument("--batch", type=int, default=200, help="cases per child interpreter")
    parser.add_argument("--python", default="all", help="3.11, 3.12, 3.13, a comma list, or all")
    parser.add_argument("--show", type=int, default=0, help="print the first N wrong cases of each Python")
    args = parser.parse_args()
    versions = VERSIONS if args.python == "all" else tuple(args.python.split(","))
    heads = [
        "Python",
        "cases",
        "moved",
        "refused",
        "top refusal reasons",
        "crashed",
        "wrong",
        "of them known",
        "re-run",
        "time",
    ]
    rows: list[list[str]] = []
    notes: list[str] = []
    known_bugs: dict[str, str] = {}
    for version in versions:
        python, found = find_python(version)
        if python is None:
            rows.append([version, "skipped", *[""] * (len(heads) - 2)])
            notes.append(f"{version}: skipped: {found}")
            continue
        major, minor = (int(x) for x in version.split("."))
        tally = movecases.run_random(python, (major, minor), args.seed, args.cases, batch=args.batch)
        refused = sum(tally.refused.values())
        reasons = ", ".join(f"{reason} {count}" for reason, count in tally.refused.most_common(2))
        wrong = len(tally.failures)
        known = wrong - len(tally.unexplained)
        rows.append(
            [
                version,
                str(tally.cases),
                f"{tally.moved} ({tally.moved / tally.cases:.0%})",
                f"{refused} ({refused / tally.cases:.0%})",
                reasons,
                str(tally.crashed),
                str(wrong),
                str(known),
                str(tally.rerun),
                f"{tally.seconds:.1f} s",
            ]
        )
        notes.append(f"{version}: {python}")
        for bug, count in tally.known().items():
            label = known_bugs.setdefault(bug, f"[{len(known_bugs) + 1}]")
            notes.append(f"  {count} wrong from known bug {label}")
        for verdict in tally.unexplained[: max(args.show, 0)] or []:
            notes.append("  UNEXPLAINED " + movecases.describe(verdict).replace("\n", "\n  "))
        for verdict in [v for v in tally.failures if v.known][: args.show]:
            notes.append("  " + movecases.describe(verdict).replace("\n", "\n  "))
    print_rows(
        f"Frame moves: seed {args.seed}, {args.cases} cases a Python, {args.batch} a child", heads, rows
    )
    print()
    print("\n".join(notes))
    for bug, label in known_bugs.items():
        print(f"{label} {bug}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
