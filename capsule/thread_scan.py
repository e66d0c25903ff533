"""What ``ThreadStore.list`` knows of each thread file, read incrementally: only the bytes appended since the
last look (nothing for a file whose inode, size and mtime did not change), and why part of a file cannot be
shown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dapper_tui.capsule.thread_lines import ParsedLines, parse_lines
from dapper_tui.capsule.thread_writer import writer_alive

CHECK = 64  # bytes before a scanned offset compared again before reading on from it


@dataclass
class Scan:
    """What ``ThreadStore.list`` knows of one thread file, and the file state it was read from."""

    key: tuple[int, int, int]  # inode, size, mtime in ns
    offset: int  # just past the last complete line read
    check: bytes  # the ``CHECK`` bytes before ``offset``: the file must still hold them to read on
    events: int = 0
    lines: int = 0
    bad: int = 0
    first_bad: str = ""
    created: float | None = None
    title: str | None = None

    def add(self, parsed: ParsedLines) -> None:
        events = parsed.events
        if parsed.bad:
            if not self.bad:
                index, reason = parsed.bad[0]
                self.first_bad = f"line {self.lines + index + 1}: {reason}"
            self.bad += len(parsed.bad)
        self.lines += parsed.lines
        self.events += len(events)
        if events and self.created is None:
            self.created = events[0].ts
        if self.title is None:
            first = next((e for e in events if e.type == "user"), None)
            if first is not None:
                self.title = str(first.get("text", "")).strip().split("\n")[0][:60]


def scan(scans: dict[Path, Scan], path: Path, key: tuple[int, int, int]) -> Scan:
    """The file's summary (kept in ``scans``): cached when unchanged, read on from the last offset when appended
    to."""
    old = scans.get(path)
    if old is not None and old.key == key:
        return old
    start = 0
    if old is not None and old.key[0] == key[0] and key[1] >= old.offset:
        start = max(0, old.offset - len(old.check))
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read()
    except FileNotFoundError:
        data = b""
    if start and old is not None and data[: old.offset - start] == old.check:
        scan = old
        data = data[old.offset - start :]
        base = old.offset
    else:  # new, truncated (a repaired tail) or replaced: read it all again
        scan = Scan(key=key, offset=0, check=b"")
        if start:
            with open(path, "rb") as fh:
                data = fh.read()
        base = 0
    parsed = parse_lines(data)
    good = parsed.good
    scan.add(parsed)
    scan.key = key
    scan.offset = base + good
    scan.check = data[max(0, good - CHECK) : good] if good else scan.check
    scans[path] = scan
    return scan


def damage(path: Path, size: int, scan: Scan) -> str:
    """Why part of the thread cannot be shown, or ``""``."""
    if scan.first_bad and not scan.bad:  # unreadable
        return scan.first_bad
    problems = []
    if scan.bad:
        lines = "1 damaged line" if scan.bad == 1 else f"{scan.bad} damaged lines"
        problems.append(f"{lines} kept on disk but not shown; {scan.first_bad}")
    unfinished = size - scan.offset
    if (unfinished or not size or not scan.events) and not writer_alive(path):
        if unfinished:
            problems.append(
                f"an unfinished last line ({unfinished} bytes): the next writer moves it to {path.name}.torn"
            )
        elif not size:
            problems.append("empty file: no events")
        elif not scan.bad:
            problems.append("no events: only blank lines")
    return "; ".join(problems)
