"""One damaged thread file never takes down ``agent DIR --list-threads``: every kind of damage is listed as
damaged, with a reason, and every other thread is listed as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "dapper_tui.capsule.cli"]


def _line(**fields: object) -> bytes:
    base = {"type": "user", "thread": "t", "revision": 1, "turn": "ab", "ts": 1.5, "seq": 2, "text": "hi"}
    base.update(fields)
    return json.dumps(base).encode() + b"\n"


GOOD = _line(seq=1, text="first message")

# kind -> (file content, a word the reason must contain)
DAMAGE: dict[str, tuple[bytes, str]] = {
    "unfinished last line": (GOOD + _line()[:25], "unfinished last line"),
    "torn line in the middle": (GOOD + _line()[:30] + b"\n" + _line(seq=3), "not JSON"),
    "bad utf-8": (GOOD + b'{"type": "user", "text": "\xff\xfe"}\n', "not UTF-8"),
    "array": (GOOD + b"[1, 2]\n", "not a JSON object (array)"),
    "number": (GOOD + b"42\n", "not a JSON object (number)"),
    "null": (GOOD + b"null\n", "not a JSON object (null)"),
    "string": (GOOD + b'"just text"\n', "not a JSON object (string)"),
    "seq 1e400": (GOOD + _line()[:-2] + b', "seq": 1e400}\n', '"seq"'),
    "revision 1e400": (GOOD + _line()[:-2] + b', "revision": 1e400}\n', '"revision"'),
    "ts 1e400": (GOOD + _line()[:-2] + b', "ts": 1e400}\n', '"ts"'),
    "seq NaN": (GOOD + _line()[:-2] + b', "seq": NaN}\n', '"seq"'),
    "huge integer": (GOOD + _line(seq=10**30), "out of range"),
    "revision a string": (GOOD + _line(revision="abc"), '"revision"'),
    "type a number": (GOOD + _line(type=5), '"type"'),
    "no type": (GOOD + b'{"text": "x"}\n', '"type" is missing'),
    "turn an object": (GOOD + _line(turn={"a": 1}), '"turn"'),
    "nested too deeply": (GOOD + b"[" * 100000 + b"]" * 100000 + b"\n", "JSON"),
    "empty file": (b"", "empty file"),
    "only blank lines": (b"\n\n  \n", "no events"),
    "NUL bytes": (GOOD + b"\0\0\0\0\n", "not JSON"),
}


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    threads = root / "data" / "threads"
    threads.mkdir(parents=True)
    (threads / "healthy.jsonl").write_bytes(GOOD + _line(seq=2, text="second"))
    return root


def _list(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, str(root), "--list-threads", *extra], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_each_damage_kind_is_listed_with_a_reason(tmp_path: Path, kind: str) -> None:
    content, reason = DAMAGE[kind]
    root = _project(tmp_path)
    (root / "data/threads/bad.jsonl").write_bytes(content)
    before = content
    listed = _list(root, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["thread"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert set(rows) == {"healthy", "bad"}
    assert rows["healthy"]["events"] == 2
    assert rows["healthy"]["damaged"] is None
    assert rows["healthy"]["title"] == "first message"
    assert rows["bad"]["damaged"], f"{kind}: not reported as damaged"
    assert reason in rows["bad"]["damaged"], rows["bad"]["damaged"]
    assert (root / "data/threads/bad.jsonl").read_bytes() == before, "listing changes nothing"
    plain = _list(root)
    assert plain.returncode == 0, plain.stderr
    assert "healthy     2 events  first message" in plain.stdout
    assert "[damaged: " in plain.stdout.split("bad", 1)[1]


def test_all_damage_kinds_at_once(tmp_path: Path) -> None:
    root = _project(tmp_path)
    for n, (content, _) in enumerate(DAMAGE.values()):
        (root / f"data/threads/bad{n:02d}.jsonl").write_bytes(content)
    (root / "data/threads/adir.jsonl").mkdir()  # not even a file
    listed = _list(root, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["thread"]: row for row in map(json.loads, listed.stdout.splitlines())}
    damaged = {t for t, row in rows.items() if row["damaged"]}
    print(f"damage kinds listed as damaged: {len(damaged) - 1} of {len(DAMAGE)} (+ a directory)")
    assert damaged == set(rows) - {"healthy"}
    assert "unreadable" in rows["adir"]["damaged"]


def test_damage_from_another_process_is_readable_by_the_writer(tmp_path: Path) -> None:
    """A writer opening a thread with damaged lines keeps them and numbers on from the valid ones."""
    from dapper_tui.capsule.events import Event
    from dapper_tui.capsule.threads import ThreadStore

    store = ThreadStore(tmp_path)
    body = b"".join(content for content, _ in DAMAGE.values() if content.endswith(b"\n"))
    store.path("t").write_bytes(body)
    writer = store.writer("t")
    event = writer.append(Event(type="user", thread="t", revision=1, data={"text": "after"}))
    writer.close()
    assert event.seq == 4, "seq goes on from the highest valid one (3), not from a damaged 1e400"
    assert store.path("t").read_bytes().startswith(body), "no damaged line is removed"
    assert store.read("t")[-1].get("text") == "after"
    assert os.path.getsize(store.path("t")) > len(body)
