"""Events and concurrency of the real server: one `thread` event per start and exit, program output in whole
lines, and a slow `evaluate` that does not hold up the rest of the connection."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from dapclient import DapClient
from helpers import line_of, write


def test_each_thread_is_announced_once_started_and_once_exited(dap: DapClient, tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "threaded.py",
        """
        import threading

        go = threading.Event()

        def work(n):
            go.wait()
            return n * 2

        workers = [threading.Thread(target=work, args=(i,), name=f"worker-{i}") for i in range(2)]
        for t in workers:
            t.start()
        go.set()                                 # all started
        for t in workers:
            t.join()
        print("done")
        """,
    )
    # a stop while the workers are alive: the client asks for the threads, as VS Code does
    dap.start(prog, {prog: [{"line": line_of(prog, "all started")}]})
    stop = dap.stopped()
    threads = dap.request("threads")["threads"]
    assert sorted(t["name"] for t in threads if t["name"].startswith("worker")) == ["worker-0", "worker-1"]
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    dap.wait_event("terminated", start=mark)
    assert "done\n" in dap.output()
    reasons: dict[int, list[str]] = defaultdict(list)
    for e in dap.events:
        if e["event"] == "thread":
            reasons[e["body"]["threadId"]].append(e["body"]["reason"])
    assert {t["id"] for t in threads} <= set(reasons)
    assert len(reasons) == 3, reasons  # the main thread and two workers
    assert all(r == ["started", "exited"] for r in reasons.values()), dict(reasons)
    names = [e["event"] for e in dap.events]
    last_thread = max(i for i, n in enumerate(names) if n == "thread")
    assert last_thread < names.index("exited")


def test_a_print_line_is_one_output_event_and_nothing_is_lost_at_exit(dap: DapClient, tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "printer.py",
        """
        import sys
        print('a', 'b', 1)
        print('x', 'y', sep='-', file=sys.stderr)
        for i in range(3):
            print(i, end=' ')
        print()
        sys.stdout.write('no newline at the end')
        """,
    )
    dap.start(prog)
    dap.wait_event("terminated")
    outputs = [e for e in dap.events if e["event"] == "output" and e["body"]["category"] != "console"]
    texts = [(e["body"]["category"], e["body"]["output"]) for e in outputs]
    assert texts[0] == ("stdout", "a b 1\n"), texts
    assert ("stderr", "x-y\n") in texts
    assert ("stdout", "0 1 2 \n") in texts
    assert texts[-1] == ("stdout", "no newline at the end"), texts
    names = [e["event"] for e in dap.events]
    assert dap.events.index(outputs[-1]) < names.index("exited")  # flushed before the end is reported


def test_a_slow_evaluate_does_not_block_the_connection(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "stop.py",
        """
        import os
        import time


        def held(gate):                          # a slow expression: it runs until the test creates `gate`
            for _ in range(3000):
                if os.path.exists(gate):
                    return None
                time.sleep(0.01)


        x = 41
        x += 1                                   # stop here
        print("x is", x)
        """,
    )
    slow_gate, last_gate = tmp_path / "slow.gate", tmp_path / "last.gate"
    dap = DapClient.stdio()
    try:
        dap.start(prog, {prog: [{"line": line_of(prog, "stop here")}]})
        stop = dap.stopped()
        frame = dap.top_frame(stop["threadId"])

        def answered() -> list[int]:
            return [m["request_seq"] for m in dap.all if m.get("type") == "response"]

        # a quick evaluate is still answered before the next request is read
        quick = dap.send("evaluate", {"expression": "x", "frameId": frame["id"]})
        threads_seq = dap.send("threads")
        dap.response(threads_seq)
        assert dap.responses[quick]["body"]["result"] == "41"
        assert answered().index(quick) < answered().index(threads_seq)

        # a slow one: the requests behind it are answered while it runs, its own answer comes when it ends
        slow = dap.send(
            "evaluate", {"expression": f"held({str(slow_gate)!r}) or x + 1", "frameId": frame["id"]}
        )
        threads = dap.request("threads", timeout=5)["threads"]
        assert [t["id"] for t in threads] == [stop["threadId"]]
        pause = dap.send("pause", {"threadId": stop["threadId"]})
        assert dap.response(pause, timeout=5)["success"] is True
        assert slow not in dap.responses
        slow_gate.touch()
        assert dap.response(slow, timeout=10)["body"]["result"] == "42"
        assert answered().index(slow) > answered().index(pause)  # out of order, matched by request_seq

        # a disconnect is answered while an evaluate still runs (its gate opens only at the end), and the server
        # then ends cleanly
        dap.send("evaluate", {"expression": f"held({str(last_gate)!r})", "frameId": frame["id"]})
        disconnect = dap.send("disconnect", {"terminateDebuggee": True})
        assert dap.response(disconnect, timeout=5)["success"] is True
    finally:
        slow_gate.touch()
        last_gate.touch()
        dap._close()
        assert dap.proc is not None
        code = dap.proc.wait(15)
    assert code == 0, dap.stderr()
