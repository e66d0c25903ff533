"""A thread file's lines as events: which complete lines hold a valid event, and why the others do not.

See threads.py for the file format; readers and writers both parse with ``parse_lines`` (a trailing partial
line is left for the caller: ``ParsedLines.good`` is the offset just past the last complete line).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from dapper_tui.capsule.events import Event

_INT_MAX = 2**63


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def _integer(raw: dict[str, object], name: str) -> str | None:
    value = raw.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        return f'"{name}" is {value!r:.40}, not an integer'
    if not -_INT_MAX <= value < _INT_MAX:
        return f'"{name}" is out of range ({len(str(value))} digits)'
    return None


def event_problem(raw: object) -> str | None:
    """Why a decoded JSON value is not a storable event (``None``: it is one)."""
    if not isinstance(raw, dict):
        return f"not a JSON object ({_json_kind(raw)})"
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind:
        return '"type" is missing' if kind is None else f'"type" is a {_json_kind(kind)}, not a string'
    for name in ("revision", "seq"):
        problem = _integer(raw, name)
        if problem:
            return problem
    ts = raw.get("ts", 0.0)
    if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not math.isfinite(ts):
        return f'"ts" is {ts!r:.40}, not a finite number'
    if not isinstance(raw.get("thread", ""), str):
        return f'"thread" is a {_json_kind(raw["thread"])}, not a string'
    if not isinstance(raw.get("turn"), (str, type(None))):
        return f'"turn" is a {_json_kind(raw["turn"])}, not a string'
    return None


def parse_event(line: bytes) -> Event | str:
    """The event one stored line holds, or why it holds none."""
    try:
        raw = json.loads(line)
    except UnicodeDecodeError as exc:
        return f"not UTF-8 (byte {exc.start})"
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        return f"not readable JSON ({type(exc).__name__}: {str(exc)[:80]})"
    problem = event_problem(raw)
    if problem:
        return problem
    return Event.from_dict(raw)


@dataclass
class ParsedLines:
    events: list[Event]
    good: int  # byte offset just past the last complete line
    lines: int  # complete lines
    bad: list[tuple[int, str]]  # (line index, reason) of complete lines that are not events


def parse_lines(data: bytes) -> ParsedLines:
    """Complete lines of ``data``: the valid ones as events, the others with the reason they are not."""
    parsed = ParsedLines([], 0, 0, [])
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        line = data[pos:end]
        if line.strip():
            event = parse_event(line)
            if isinstance(event, Event):
                parsed.events.append(event)
            else:  # kept on disk (never lost) but cannot be shown
                parsed.bad.append((parsed.lines, event))
        parsed.lines += 1
        pos = end + 1
        parsed.good = pos
    return parsed
