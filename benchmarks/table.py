"""The table every goal-checking benchmark prints: measure, goal, measured, verdict."""

from __future__ import annotations


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
        heads = ("measure", "goal", "measured", "verdict")
        widths = [max(len(h), *(len(r[i]) for r in self.rows)) for i, h in enumerate(heads)]
        line = "  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True))
        print(title)
        print(line)
        print("  ".join("-" * w for w in widths))
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
