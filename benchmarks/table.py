"""The tables the benchmarks print: `print_rows` for any columns, `Table` for measure, goal, measured, verdict.

Columns are padded to their widest cell; `markdown=True` prints the same rows as a Markdown table instead, to paste
into a README (run.py and library_suite.py offer it as --markdown).
"""

from __future__ import annotations

from collections.abc import Sequence


def print_rows(
    title: str, heads: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool = False
) -> None:
    """Print `title`, then `rows` (each as long as `heads`) under `heads`."""
    print(title)
    if markdown:
        print()
        print("| " + " | ".join(heads) + " |")
        print("|" + "---|" * len(heads))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(heads)]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, measure: str, goal: str, measured: str, verdict: str = "") -> None:
        self.rows.append((measure, goal, measured, verdict))

    def check(self, measure: str, value: float, limit: float, unit: str, measured: str | None = None) -> None:
        shown = measured if measured is not None else f"{value:.1f} {unit}"
        verdict = "ok" if value <= limit else f"MISSED by {value - limit:.1f} {unit} ({value / limit:.2f}x)"
        self.add(measure, f"<= {limit:g} {unit}", shown, verdict)

    def print(self, title: str) -> None:
        print_rows(title, ("measure", "goal", "measured", "verdict"), self.rows)
