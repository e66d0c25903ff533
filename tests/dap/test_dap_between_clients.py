"""What one program leaves in the `dapper-tui dap` process must not reach the next.

The program runs inside the server, which serves client after client (`--port`): its environment changes
(`os.environ`, and `os.putenv`/`os.unsetenv` below it, which child processes inherit) are undone after each
run, and its threads that are blocked in a call outside Python code (a sleep, `accept`, `select`) are listed
while it is stopped, named to the client when the run ends without them, and keep neither the stdio server from
ending nor a `--port` server from serving its next client.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dapclient import DapClient
from helpers import line_of, write

CHANGES_ENV = """
import os
os.environ["DAPEXIT_ADDED"] = "added"
os.environ["DAPEXIT_KEPT"] = "changed"
del os.environ["DAPEXIT_GONE"]
os.putenv("DAPEXIT_PUTENV", "put")
os.unsetenv("DAPEXIT_UNSET")
print("changed")
"""

READS_ENV = """
import json, os, subprocess, sys
names = ["DAPEXIT_ADDED", "DAPEXIT_KEPT", "DAPEXIT_GONE", "DAPEXIT_PUTENV", "DAPEXIT_UNSET", "FROM_LAUNCH"]
child = subprocess.run(
    [sys.executable, "-c", "import json, os, sys; print(json.dumps({n: os.environ.get(n) for n in sys.argv[1:]}))",
     *names],
    capture_output=True, text=True, check=True,
).stdout
print("ENV " + json.dumps({"here": {n: os.environ.get(n) for n in names}, "child": json.loads(child)}))
"""

FRESH = {
    "DAPEXIT_ADDED": None,
    "DAPEXIT_KEPT": "kept",
    "DAPEXIT_GONE": "there",
    "DAPEXIT_PUTENV": None,
    "DAPEXIT_UNSET": "there too",
    "FROM_LAUNCH": None,
}


@pytest.fixture
def server_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server starts with these (the test's environment is copied to it)."""
    monkeypatch.setenv("DAPEXIT_KEPT", "kept")
    monkeypatch.setenv("DAPEXIT_GONE", "there")
    monkeypatch.setenv("DAPEXIT_UNSET", "there too")
    for name in ("DAPEXIT_ADDED", "DAPEXIT_PUTENV", "FROM_LAUNCH"):
        monkeypatch.delenv(name, raising=False)


def _leave(dap: DapClient) -> None:
    dap.request("disconnect", {"terminateDebuggee": True})
    dap._close()


def _env_seen(dap: DapClient) -> dict:
    dap.wait_event("terminated")
    line = next(x for x in dap.output().splitlines() if x.startswith("ENV "))
    return json.loads(line[4:])


def test_the_next_client_finds_the_environment_as_the_server_started(
    tmp_path: Path, server_env: None
) -> None:
    changes = write(tmp_path, "changes.py", CHANGES_ENV)
    reads = write(tmp_path, "reads.py", READS_ENV)
    first = DapClient.tcp()
    try:
        first.start(changes, env={"FROM_LAUNCH": "1"})
        first.wait_event("terminated")
        assert "changed" in first.output()
        _leave(first)
        second = first.next_client()
        second.start(reads)
        seen = _env_seen(second)
        assert seen["here"] == FRESH, seen
        assert seen["child"] == FRESH, seen  # what a child process inherits (putenv/unsetenv included)
        _leave(second)
    finally:
        first.stop_server()


def test_a_program_stopped_then_terminated_leaves_the_environment_too(
    tmp_path: Path, server_env: None
) -> None:
    changes = write(tmp_path, "changes.py", CHANGES_ENV + "x = 1  # stop here\n")
    reads = write(tmp_path, "reads.py", READS_ENV)
    first = DapClient.tcp()
    try:
        first.start(changes, {changes: [{"line": line_of(changes, "stop here")}]}, env={"FROM_LAUNCH": "1"})
        first.stopped()
        _leave(first)  # ends the program where it stands
        second = first.next_client()
        second.start(reads)
        seen = _env_seen(second)
        assert seen["here"] == FRESH, seen
        assert seen["child"] == FRESH, seen
        _leave(second)
    finally:
        first.stop_server()


BLOCKED = """
import _thread, os, select, socket, threading, time
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
r, w = os.pipe()
threading.Thread(target=time.sleep, args=(1000,), name="sleeper").start()
threading.Thread(target=listener.accept, name="acceptor").start()
threading.Thread(target=select.select, args=([r], [], []), name="selector").start()
_thread.start_new_thread(time.sleep, (1000,))  # not waited for at exit (as a daemon thread), but listed
time.sleep(0.2)
x = 1  # stop here
"""

NAMES = ("sleeper", "acceptor", "selector")


def _stop_with_blocked_threads(dap: DapClient, tmp_path: Path) -> None:
    prog = write(tmp_path, "blocked.py", BLOCKED)
    dap.start(prog, {prog: [{"line": line_of(prog, "stop here")}]})
    dap.stopped()
    listed = {t["name"] for t in dap.request("threads")["threads"]}
    assert {*NAMES, "sleep (_thread)"} <= listed, listed


def _ends_naming_the_blocked(dap: DapClient) -> None:
    mark = dap.mark()
    dap.request("terminate")
    exited = dap.wait_event("exited", start=mark)
    dap.wait_event("terminated", start=mark)
    assert exited["body"]["exitCode"] == 1
    told = dap.output("console")
    for name in NAMES:
        assert repr(name) in told, told
    # the names come before the end
    first_exit = mark + next(i for i, e in enumerate(dap.events[mark:]) if e["event"] == "exited")
    assert any(e["event"] == "output" and "sleeper" in e["body"]["output"] for e in dap.events[:first_exit])


def test_threads_blocked_in_c_are_listed_named_at_the_end_and_the_stdio_server_ends(tmp_path: Path) -> None:
    """It used to hang: the terminated run waited for ever for its blocked threads, and the server with it."""
    dap = DapClient.stdio()
    try:
        _stop_with_blocked_threads(dap, tmp_path)
        _ends_naming_the_blocked(dap)
    finally:
        assert dap.close() == 0, dap.stderr()


def test_disconnect_with_threads_blocked_in_c_ends_the_stdio_server(tmp_path: Path) -> None:
    dap = DapClient.stdio()
    _stop_with_blocked_threads(dap, tmp_path)
    assert dap.close() == 0, dap.stderr()  # close: disconnect (terminateDebuggee), then the process must end


def test_a_port_server_serves_the_next_client_after_threads_blocked_in_c(tmp_path: Path) -> None:
    first = DapClient.tcp()
    try:
        _stop_with_blocked_threads(first, tmp_path)
        _ends_naming_the_blocked(first)
        _leave(first)
        second = first.next_client()
        prog = write(
            tmp_path, "next.py", "import threading\nprint('next runs', threading.active_count() > 0)\n"
        )
        second.start(prog)
        exited = second.wait_event("exited")
        assert exited["body"]["exitCode"] == 0
        assert "next runs True" in second.output()
        listed = {t["name"] for t in second.request("threads")["threads"]}
        assert not listed & {*NAMES, "sleep (_thread)"}, listed  # the first program's are not the second's
        _leave(second)
    finally:
        first.stop_server()


STUCK = """
import signal, time
signal.signal(signal.SIGINT, lambda signum, frame: None)  # the debugger's interrupt cannot end the sleep
print("sleeping")
time.sleep(1000)
"""


def test_a_program_that_will_not_end_is_told_to_both_clients(tmp_path: Path) -> None:
    """The first client is told its program did not end; the next client's launch is refused with the reason
    (it used to wait for ever, with no event, behind the stuck program)."""
    first = DapClient.tcp()
    try:
        first.start(write(tmp_path, "stuck.py", STUCK))
        first.wait_output("sleeping")
        first.request("terminate")
        first.wait_output("did not end when asked", category="console")
        _leave(first)
        second = first.next_client()
        second.start(write(tmp_path, "next.py", "print('next runs')\n"))
        exited = second.wait_event("exited")
        assert exited["body"]["exitCode"] == 1
        assert "an earlier program still runs" in second.output("stderr"), second.output("stderr")
        assert "next runs" not in second.output()
        _leave(second)
    finally:
        assert first.proc is not None
        first.proc.kill()
        first.proc.wait(10)
        first._close()
