"""The last writer of a thread to close removes its ``.lock`` and ``.live`` files; writers that open and close
the thread all at once still never share a ``seq`` (no two of them ever lock different lock files)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.threads import ThreadStore, writer_alive


def side_files(store: ThreadStore) -> list[str]:
    return sorted(p.name for p in store.dir.iterdir() if p.suffix in (".lock", ".live"))


def test_the_last_writer_to_close_removes_the_lock_files(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    first = store.writer("t")
    second = store.writer("t")
    first.append(Event(type="user", thread="t", revision=1, data={"text": "one"}))
    assert side_files(store) == ["t.jsonl.live", "t.jsonl.lock"]
    first.close()
    assert side_files(store) == ["t.jsonl.live", "t.jsonl.lock"], "another writer is still open"
    assert writer_alive(store.path("t"))
    second.append(Event(type="user", thread="t", revision=1, data={"text": "two"}))
    second.close()
    assert side_files(store) == []
    assert not writer_alive(store.path("t"))
    third = store.writer("t")  # and the next writer goes on numbering from the file
    assert third.append(Event(type="user", thread="t", revision=1, data={"text": "three"})).seq == 3
    third.close()
    assert [e.get("text") for e in store.read("t")] == ["one", "two", "three"]
    assert side_files(store) == []


CHURN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from dapper_tui.capsule.events import Event
    from dapper_tui.capsule.threads import ThreadStore

    store, tag, go = ThreadStore(Path(sys.argv[1])), sys.argv[2], Path(sys.argv[1]) / "go"
    print("ready", flush=True)
    while not go.exists():
        pass
    for i in range(int(sys.argv[3])):
        writer = store.writer("churn")  # open, append one record, close: the side files come and go
        writer.append(Event(type="user", thread="churn", revision=1, data={"tag": tag, "i": i}))
        writer.close()
    """
)


def test_writers_opening_and_closing_at_once_never_share_a_seq(tmp_path: Path) -> None:
    count = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHURN, str(tmp_path), tag, str(count)], stdout=subprocess.PIPE, text=True
        )
        for tag in "abc"
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
    (tmp_path / "go").touch()
    assert [proc.wait(120) for proc in procs] == [0, 0, 0]
    lines = (tmp_path / "threads" / "churn.jsonl").read_bytes().splitlines()
    events = [json.loads(line) for line in lines]
    assert sorted(e["seq"] for e in events) == list(range(1, 3 * count + 1))
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events), "seq order is file order"
    for tag in "abc":
        assert [e["i"] for e in events if e["tag"] == tag] == list(range(count))
    assert side_files(ThreadStore(tmp_path)) == []
