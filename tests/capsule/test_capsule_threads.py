"""The thread store: append-only, torn-last-record repair, no earlier record lost, readable live."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.threads import ThreadStore
from hypothesis import given, settings
from hypothesis import strategies as st


def _fill(store: ThreadStore, thread: str, n: int) -> list[bytes]:
    writer = store.writer(thread)
    for i in range(n):
        writer.append(
            Event(type="user", thread=thread, revision=i, data={"text": f"message {i} " + "é" * (i % 3)})
        )
    writer.close()
    return store.path(thread).read_bytes().splitlines(keepends=True)


def test_append_and_read_back(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    _fill(store, "t1", 3)
    events = store.read("t1")
    assert [e.data["text"].split(" ")[1] for e in events] == ["0", "1", "2"]
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.revision for e in events] == [0, 1, 2]
    info = store.list()[0]
    assert (info.id, info.events, info.title) == ("t1", 3, "message 0")


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000), garbage=st.binary(max_size=20))
def test_torn_tail_is_repaired_and_earlier_records_kept(tmp_path_factory, cut: int, garbage: bytes) -> None:
    store = ThreadStore(tmp_path_factory.mktemp("threads"))
    lines = _fill(store, "t", 6)
    data = b"".join(lines)
    cut = cut % (len(data) + 1)
    torn = data[:cut] + garbage.replace(b"\n", b"")
    store.path("t").write_bytes(torn)
    complete = sum(1 for i in range(len(lines)) if len(b"".join(lines[: i + 1])) <= cut)
    writer = store.writer("t")  # opening for writing repairs
    writer.append(Event(type="user", thread="t", revision=9, data={"text": "after"}))
    writer.close()
    events = store.read("t")
    assert [e.data["text"] for e in events[:complete]] == [
        json.loads(line)["text"] for line in lines[:complete]
    ]
    assert events[-1].data["text"] == "after"
    assert len(events) == complete + 1
    assert store.path("t").read_bytes().endswith(b"\n")


def test_second_process_follows_the_thread_live(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    writer = store.writer("live")
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                from pathlib import Path
                from dapper_tui.capsule.threads import ThreadStore
                for event in ThreadStore(Path({str(tmp_path)!r})).follow("live", poll=0.02):
                    print(event.data["text"], flush=True)
                    if event.data["text"] == "last":
                        break
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        writer.append(Event(type="user", thread="live", revision=1, data={"text": "first"}))
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "first"
        # a half-written line is not shown until it is complete
        with open(store.path("live"), "ab") as fh:
            fh.write(b'{"type": "user", "thread": "live", "revision": 1, "text": "sec')
            fh.flush()
            time.sleep(0.2)
            fh.write(b'ond"}\n')
        assert reader.stdout.readline().strip() == "second"
        writer.append(Event(type="user", thread="live", revision=2, data={"text": "last"}))
        assert reader.stdout.readline().strip() == "last"
        assert reader.wait(10) == 0
    finally:
        reader.kill()
        writer.close()


def _bytes_read() -> int:
    """Bytes this process has read through read(2) and friends, as the kernel counts them."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


def test_list_reads_only_what_changed(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)
    big = "x" * 2000
    for name in ("a", "b", "c"):
        writer = store.writer(name)
        writer.append(Event(type="user", thread=name, revision=1, data={"text": f"title {name}\nmore"}))
        for i in range(1000):
            writer.append(Event(type="assistant", thread=name, revision=1, data={"text": f"{i} {big}"}))
        writer.close()
    total = sum(store.path(n).stat().st_size for n in "abc")
    assert total > 6_000_000
    before = _bytes_read()
    first = store.list()
    assert _bytes_read() - before >= total, "the first listing reads the files"
    assert [(i.id, i.events, i.title) for i in first] == [(n, 1001, f"title {n}") for n in "abc"]

    before = _bytes_read()
    for _ in range(5):  # what --watch does every 0.5 s
        assert [(i.id, i.events) for i in store.list()] == [(n, 1001) for n in "abc"]
    assert _bytes_read() - before < 200_000, "an unchanged store is not read again"

    # an append (by another writer, as a live session does): only the new bytes are read
    writer = store.writer("b")
    writer.append(Event(type="assistant", thread="b", revision=2, data={"text": "new"}))
    before = _bytes_read()
    infos = {i.id: i for i in store.list()}
    assert _bytes_read() - before < 200_000
    writer.close()
    assert (infos["a"].events, infos["b"].events, infos["c"].events) == (1001, 1002, 1001)
    assert infos["b"].title == "title b"


def test_list_follows_appends_torn_tails_repairs_and_replaced_files(tmp_path: Path) -> None:
    store = ThreadStore(tmp_path)

    def counts() -> dict[str, tuple[int, str]]:
        return {i.id: (i.events, i.title) for i in store.list()}

    writer = store.writer("t")
    writer.append(Event(type="thread_start", thread="t", revision=0))
    assert counts() == {"t": (1, "")}
    writer.append(Event(type="user", thread="t", revision=1, data={"text": "hello"}))
    assert counts() == {"t": (2, "hello")}
    writer.close()
    path = store.path("t")
    with open(path, "ab") as fh:  # a half-written line is not counted until it is complete
        fh.write(b'{"type": "user", "thread": "t", "revision": 1, "text": "sec')
    assert counts() == {"t": (2, "hello")}
    with open(path, "ab") as fh:
        fh.write(b'ond"}\n')
    assert counts() == {"t": (3, "hello")}
    with open(path, "ab") as fh:  # torn again; a writer opening the thread repairs it, then appends
        fh.write(b'{"type": "assis')
    assert counts() == {"t": (3, "hello")}
    writer = store.writer("t")
    assert writer.repaired_bytes > 0
    writer.append(Event(type="assistant", thread="t", revision=1, data={"text": "after repair"}))
    writer.close()
    assert counts() == {"t": (4, "hello")}
    assert [e.type for e in store.read("t")] == ["thread_start", "user", "user", "assistant"]
    # replaced by a different, shorter file of the same name
    path.unlink()
    writer = store.writer("t")
    writer.append(Event(type="user", thread="t", revision=5, data={"text": "fresh"}))
    writer.close()
    assert counts() == {"t": (1, "fresh")}
    path.unlink()
    assert counts() == {}
