"""The agent thread's entries and how each one renders: messages, tool calls (running, then their result),
reload records, errors; the long parts that fold (a big result, a traceback, a long message), and the cutting
of long text into lines without Rich's wrapping (see thread_view.py, which draws them)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from dapper_tui.capsule.tool_errors import split_traceback
from rich.cells import cell_len, chop_cells
from rich.console import RenderableType
from rich.text import Text

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
Line = tuple[tuple[str, int], ...]  # one rendered line: (text, style number) pairs

FOLD_BYTES = 4096  # a result longer than this shows folded ...
FOLD_LINES = 40  # ... and so does one of more lines than this
PREVIEW_LINES = 5  # lines of a folded result shown
TEXT_FOLD_BYTES = 16384  # a message (yours or the agent's) folds from this many characters ...
TEXT_FOLD_LINES = 200  # ... or lines
INTERRUPTED = "interrupted: the agent process stopped during this call"
_CONTROL = {c: None for c in (*range(0, 9), *range(11, 32), 127)}  # tab and newline handled apart


@dataclass
class Fold:
    """A long part of an entry, shown folded until asked for."""

    key: str  # "result" or "traceback"
    text: str
    label: str  # what the folded line says: its size
    preview: bool  # folded, its first lines still show
    style: str = ""


@dataclass
class Entry:
    kind: str  # user, assistant, tool, reload, error, note
    revision: int
    data: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    done: bool = True
    strips: list[Line] | None = None
    open_folds: set[str] = field(default_factory=set)
    fold_lines: dict[int, str] = field(default_factory=dict)  # line in the entry -> the fold it toggles
    _folds: list[Fold] | None = None

    @property
    def folds(self) -> list[Fold]:
        if self._folds is None:
            self._folds = folds_of(self)
        return self._folds


def _size(text: str) -> str:
    n = len(text.encode("utf-8", "surrogatepass")) if len(text) < 50_000_000 else len(text)
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def folds_of(entry: Entry) -> list[Fold]:
    """The parts of an entry that fold: a long tool result, a traceback."""
    d = entry.data
    if entry.kind in ("user", "assistant") and entry.done:
        text = str(d.get("text", ""))
        lines = text.count("\n") + 1
        if len(text) > TEXT_FOLD_BYTES or lines > TEXT_FOLD_LINES:
            return [Fold("text", text, f"{_size(text)}, {lines:,} lines", True)]
        return []
    if entry.kind == "error" and d.get("traceback"):  # the turn itself failed (a bug, not a tool's error)
        trace = str(d["traceback"]).rstrip("\n")
        return [Fold("traceback", trace, f"traceback, {trace.count(chr(10)) + 1} lines", False, "red")]
    if entry.kind != "tool" or not entry.done:
        return []
    result = str(d.get("result", ""))
    folds: list[Fold] = []
    if d.get("is_error"):
        message, trace = split_traceback(result)
        if trace:
            lines = trace.count("\n") + 1
            folds.append(Fold("traceback", trace, f"traceback, {lines} lines", False, "red"))
        result = message
    lines = result.count("\n") + 1
    # a character is at most 4 bytes: the length in characters rules most texts out without encoding them
    big = len(result) > FOLD_BYTES // 4 and len(result.encode("utf-8", "surrogatepass")) > FOLD_BYTES
    if big or lines > FOLD_LINES:
        folds.insert(0, Fold("result", result, f"{_size(result)}, {lines:,} lines", True))
    return folds


def plain_lines(text: str, width: int, indent: int = 2, limit: int | None = None) -> list[str]:
    """``text`` cut to lines of ``width`` cells (after an indent), control characters left out; at most
    ``limit`` lines. Each line of the text is cut on its own: no word wrapping, so a 5 MB text takes a
    fraction of a second."""
    room = max(1, width - indent)
    pad = " " * indent
    out: list[str] = []
    if limit is not None:  # an output line takes at most room + 1 characters of the text
        text = text[: limit * (room + 1)]
    for raw in text.split("\n"):
        line = raw.expandtabs(4).translate(_CONTROL) if not raw.isprintable() else raw
        if line.isascii():
            if len(line) <= room:
                out.append(pad + line)
            else:
                out.extend(pad + line[i : i + room] for i in range(0, len(line), room))
        elif cell_len(line) <= room:
            out.append(pad + line)
        else:
            out.extend(pad + piece for piece in chop_cells(line, room))
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


def _args(arguments: Any) -> str:
    try:
        text = json.dumps(arguments, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(arguments)
    return text if len(text) <= 200 else text[:199] + "…"


def render_entry(entry: Entry, now: float) -> RenderableType:
    rev = Text(f"r{entry.revision} ", style="dim")
    d = entry.data
    folded = {f.key for f in entry.folds}
    if entry.kind == "user":
        text = "(a long message:)" if "text" in folded else str(d.get("text", ""))
        return Text.assemble(rev, ("you ", "bold cyan"), text)
    if entry.kind == "assistant":
        cursor = "" if entry.done else " ▍"
        text = "(a long reply:)" if "text" in folded else str(d.get("text", "")) + cursor
        return Text.assemble(rev, ("agent ", "bold green"), text)
    if entry.kind == "tool":
        return _render_tool(entry, rev, folded, now)
    if entry.kind == "reload":
        record = d.get("record", {})
        outcome = str(record.get("outcome", ""))
        style = {"applied": "green", "failed": "bold red", "pending": "yellow"}.get(outcome, "blue")
        line = Text.assemble(rev, (f"reload {outcome} ", style), str(record.get("message", "")))
        if record.get("path"):
            line.append(f"  {record['path']}", style="dim")
        if outcome == "failed" and record.get("hint"):
            line.append(f"\n  hint: {record['hint']}", style="italic")
        return line
    if entry.kind == "error":
        return Text.assemble(rev, ("error ", "bold red"), (str(d.get("message", "")), "red"))
    return Text.assemble(rev, (str(d.get("text", "")), "dim italic"))


def _render_tool(entry: Entry, rev: Text, folded: set[str], now: float) -> Text:
    """A tool call: its name and arguments, then running (a spinner and the time), or how it ended."""
    d = entry.data
    head = Text.assemble(
        rev, ("tool ", "bold magenta"), (str(d.get("tool")), "bold"), f"({_args(d.get('arguments'))})"
    )
    gen = d.get("generation")
    if gen is not None:
        head.append(f"  gen {gen}", style="dim")
    if not entry.done:
        spin = _SPINNER[int(now * 10) % len(_SPINNER)]
        head.append(f"\n  {spin} running {now - entry.started:.1f}s", style="yellow")
    elif d.get("interrupted"):
        head.append("\n  ⊘ interrupted", style="bold yellow")
        head.append(": the agent process stopped during this call", style="yellow")
    elif d.get("cancelled"):
        head.append("\n  ⊘ cancelled", style="bold yellow")
    elif d.get("is_error"):
        head.append("\n  ✗ ", style="bold red")
        message = split_traceback(str(d.get("result", "")))[0]
        head.append("result:" if "result" in folded else message, style="red")
    else:
        head.append("\n  ✓ ", style="bold green")
        head.append("result:" if "result" in folded else str(d.get("result", "")))
    return head
