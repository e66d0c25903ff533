"""Hot reload speed: median ``reload_file`` duration over 20 runs for generated 50- and 2,000-line modules.

Run:  .venv/bin/python benchmarks/reload_speed.py   (goal: <= 50 ms median for 2,000 lines)

Each run edits one function body in the middle of the module (a typical save) and reloads in the default
"diff" mode. The first reload of a file also builds the code index with one walk of the GC heap; it is shown
apart. The "lines shifted" column inserts a line at the top, so every definition below moves.
"""

from __future__ import annotations

import importlib
import statistics
import sys
import tempfile
from pathlib import Path

from dapper_tui.engine.hotreload import reload_file, track_sources

RUNS = 20


def generate(lines: int) -> str:
    out = ['"""Generated module."""', "import functools", "", "COUNTER = 0", ""]
    i = 0
    while len(out) < lines - 12:
        if i % 5 == 4:
            out += [
                f"class C{i}:",
                f"    attr = {i}",
                "",
                "    def method(self, x):",
                f"        return x + {i}",
                "",
                "    @property",
                "    def prop(self):",
                f"        return self.attr * {i}",
                "",
                "",
            ]
        else:
            out += [
                f"def func{i}(a, b=2):",
                f"    total = a * b + {i}",
                "    for k in range(3):",
                "        total += k",
                "    return total  # VALUE",
                "",
                "",
            ]
        i += 1
    while len(out) < lines:
        out.append(f"X{len(out)} = {len(out)}")
    return "\n".join(out[:lines]) + "\n"


def bench(lines: int, folder: Path) -> tuple[float, float, float]:
    name = f"bench_mod_{lines}"
    path = folder / f"{name}.py"
    source = generate(lines)
    path.write_text(source)
    sys.path.insert(0, str(folder))
    importlib.import_module(name)
    target = "return total  # VALUE"
    at = source.index(target, len(source) // 2)  # a function in the middle of the module
    durations = []
    first = 0.0
    for run in range(RUNS + 1):
        path.write_text(source[:at] + f"return total + {run + 1}  # VALUE" + source[at + len(target) :])
        result = reload_file(path)
        assert result.ok and result.changed, result.error
        if run == 0:
            first = result.durationMs
        else:
            durations.append(result.durationMs)
    shifted = []
    for run in range(5):
        path.write_text("#\n" * (run + 1) + source)
        result = reload_file(path)
        assert result.ok, result.error
        shifted.append(result.durationMs)
    return statistics.median(durations), first, statistics.median(shifted)


def main() -> None:
    track_sources()
    sys.dont_write_bytecode = True
    with tempfile.TemporaryDirectory() as tmp:
        rows = [(n, *bench(n, Path(tmp))) for n in (50, 2000)]
    print(f"Python {sys.version.split()[0]}, {RUNS} runs, mode=diff")
    print(f"{'lines':>6}  {'median ms':>10}  {'first (index) ms':>17}  {'lines shifted ms':>17}")
    for n, median, first, shifted in rows:
        print(f"{n:>6}  {median:>10.2f}  {first:>17.2f}  {shifted:>17.2f}")


if __name__ == "__main__":
    main()
