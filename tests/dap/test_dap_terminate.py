"""`terminate` ends the program with exactly one `exited` and one `terminated` event, however the program was
ended: parked at a stop, waiting for a thread that is blocked in a call, or with its own code already done.
The events come from the engine; the adapter reports no end of its own."""

from __future__ import annotations

from pathlib import Path

from dapclient import DapClient
from helpers import line_of, write


def _ends_once(dap: DapClient, mark: int, within: float) -> dict:
    """After a terminate: one exited then one terminated (each waited for at most `within` seconds), and nothing
    later."""
    exited = dap.wait_event("exited", start=mark, timeout=within)
    dap.wait_event("terminated", start=mark, timeout=within)
    dap.request("disconnect", {"terminateDebuggee": True})  # the connection's last answer: every event is in
    names = [e["event"] for e in dap.events[mark:]]
    assert names.count("exited") == 1, names
    assert names.count("terminated") == 1, names
    assert names.index("exited") < names.index("terminated"), names
    return exited["body"]


def _no_engine_traceback(dap: DapClient) -> None:
    err = dap.stderr()
    assert "Traceback" not in err, err
    assert "_Terminate" not in dap.output("stderr"), dap.output("stderr")


def test_terminate_while_stopped_sends_one_exited_and_one_terminated(dap: DapClient, tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "loop.py",
        """
        def twice(i):
            return i * 2             # stop here

        total = 0
        for i in range(10**9):
            total += twice(i)
        """,
    )
    dap.start(prog, {prog: [{"line": line_of(prog, "stop here")}]})
    stop = dap.stopped()
    assert stop["reason"] == "breakpoint"
    mark = dap.mark()
    dap.request("terminate")
    body = _ends_once(dap, mark, within=10)
    assert body["exitCode"] == 1
    _no_engine_traceback(dap)


def test_terminate_while_stopped_ends_a_program_waiting_for_a_blocked_thread(
    dap: DapClient, tmp_path: Path
) -> None:
    """The program's code ends at once, then Python would wait for its (non-daemon) thread, which sleeps for a
    minute: the terminate interrupts that wait instead of leaving the session stopped."""
    prog = write(
        tmp_path,
        "waits.py",
        """
        import threading, time

        worker = threading.Thread(target=time.sleep, args=(60,), name="sleeper")
        worker.start()
        done = True                  # stop here
        """,
    )
    dap.start(prog, {prog: [{"line": line_of(prog, "stop here")}]})
    dap.stopped()
    mark = dap.mark()
    dap.request("terminate")
    _ends_once(dap, mark, within=10)
    _no_engine_traceback(dap)


def test_terminate_after_the_code_returned_while_waiting_for_a_blocked_thread(
    dap: DapClient, tmp_path: Path
) -> None:
    prog = write(
        tmp_path,
        "tail.py",
        """
        import threading, time

        threading.Thread(target=time.sleep, args=(60,), name="sleeper").start()
        print("main code done", flush=True)
        """,
    )
    dap.start(prog)
    dap.wait_output("main code done")
    mark = dap.mark()
    dap.request("terminate")
    _ends_once(dap, mark, within=10)
    _no_engine_traceback(dap)
