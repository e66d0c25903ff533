"""The program cannot silently end the debug session.

The program runs inside the `dapper-tui dap` process, so its `os._exit` ends the server too: the client must be
told first (`exited` with the program's code, then `terminated`), and the server really ends with that code, in
stdio and in `--port` mode alike (nothing of the program may run on after `os._exit`). The program's `atexit`
handlers run at the end of its run, with their output and their exit code reported to the client. A SIGINT the
program sends itself is a KeyboardInterrupt in the program, as without the debugger. A forked child never
writes to the DAP channel, however it exits.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dapclient import DapClient
from helpers import line_of, program, write


def _events(dap: DapClient) -> list[str]:
    return [e["event"] for e in dap.events if e["event"] not in ("output", "loadedSource", "thread")]


def _ends_with(dap: DapClient, code: int) -> None:
    """One exited carrying `code`, then one terminated, then nothing more."""
    exited = dap.wait_event("exited")
    dap.wait_event("terminated")
    assert exited["body"]["exitCode"] == code, exited
    names = _events(dap)
    assert names[-2:] == ["exited", "terminated"], names
    assert names.count("exited") == 1, names
    assert names.count("terminated") == 1, names


HARD_EXITS = {
    "os._exit": "import os\nprint('last words')\nos._exit(7)\nprint('never')\n",
    "posix._exit": "import posix\nprint('last words')\nposix._exit(7)\nprint('never')\n",
    "os._exit in a thread": (
        "import os, threading, time\n"
        "print('last words')\n"
        "threading.Thread(target=os._exit, args=(7,)).start()\n"
        "time.sleep(60)\n"
        "print('never')\n"
    ),
    "os._exit in finally": "import os\ntry:\n    print('last words')\nfinally:\n    os._exit(7)\n",
}


@pytest.mark.parametrize("how", list(HARD_EXITS))
def test_os_exit_is_reported_with_its_code_and_the_stdio_server_ends(tmp_path: Path, how: str) -> None:
    prog = write(tmp_path, "hard.py", HARD_EXITS[how])
    dap = DapClient.stdio()
    try:
        dap.start(prog)
        _ends_with(dap, 7)
        out = dap.output()
        assert "last words" in out
        assert "never" not in out
        # what the program printed comes before the news of its end
        first_exit = next(i for i, e in enumerate(dap.events) if e["event"] == "exited")
        assert any(e["event"] == "output" for e in dap.events[:first_exit])
        assert dap.server_exit() == 7  # the process ended, as the program asked, with its code
    finally:
        dap.close()


def test_os_exit_under_port_reports_then_ends_the_server(tmp_path: Path) -> None:
    """--port: the client is told; the server process then ends with the program's code (the program's
    `os._exit` lets nothing of the process run on, the server included)."""
    prog = write(tmp_path, "hard.py", "import os\nos._exit(7)\n")
    dap = DapClient.tcp()
    try:
        dap.start(prog)
        _ends_with(dap, 7)
        assert dap.server_exit() == 7
    finally:
        dap.close()


def test_os_exit_while_stopped_elsewhere_is_still_reported(tmp_path: Path) -> None:
    """A thread calls os._exit while the client inspects a stop of the main thread."""
    prog = write(
        tmp_path,
        "race.py",
        """
        import os, threading, time
        go = threading.Event()
        def killer():
            go.wait()
            os._exit(3)
        threading.Thread(target=killer, daemon=True).start()
        go.set()
        time.sleep(60)
        """,
    )
    dap = DapClient.stdio()
    try:
        dap.start(prog)
        for _ in range(20):  # requests in flight as the exit comes: its events are still sent
            try:
                dap.response(dap.send("threads"), timeout=5)
            except (AssertionError, OSError):  # no answer, or the server is already gone
                break
        _ends_with(dap, 3)
        assert dap.server_exit() == 3
    finally:
        dap.close()


ATEXIT = """
import atexit, os

@atexit.register
def last():
    print("last handler ran")
    os._exit(9)

def first():
    print("first handler ran")

atexit.register(first)
print("body done")
"""


def test_atexit_handlers_run_at_the_end_of_the_run_and_their_exit_code_is_reported(tmp_path: Path) -> None:
    """The handlers run after the program's code (last registered first), their output reaches the client, and
    `os._exit(9)` in one is the run's exit code (it used to run when the server itself exited, after an
    `exited` with code 0, its output lost on the server's stderr)."""
    prog = write(tmp_path, "handlers.py", ATEXIT)
    dap = DapClient.stdio()
    try:
        dap.start(prog)
        _ends_with(dap, 9)
        out = dap.output()
        assert out.index("body done") < out.index("first handler ran") < out.index("last handler ran"), out
        assert dap.server_exit() == 9
    finally:
        dap.close()


def test_atexit_handler_runs_once_per_run_and_a_failing_one_is_reported(tmp_path: Path) -> None:
    """Two clients of one --port server: each run's handler runs at the end of that run, in its own channel."""
    prog = write(
        tmp_path,
        "fails.py",
        """
        import atexit
        atexit.register(print, "handler ran")
        atexit.register(lambda: 1 / 0)
        print("body done")
        """,
    )
    first = DapClient.tcp()
    try:
        for n in range(2):
            dap = first.next_client() if n else first
            dap.start(prog)
            _ends_with(dap, 0)
            assert dap.output().count("handler ran") == 1, dap.output()
            err = dap.output("stderr")
            assert "Exception ignored in atexit callback" in err, err
            assert "ZeroDivisionError" in err, err
            dap.request("disconnect")
            dap._close()
        assert "handler ran" not in first.stderr()
    finally:
        first.stop_server()


SELF_SIGINT = """
import os, signal, threading, time
how = {how!r}
if how == "os.kill":
    os.kill(os.getpid(), signal.SIGINT)
elif how == "raise_signal":
    signal.raise_signal(signal.SIGINT)
else:
    threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGINT)).start()
time.sleep(30)
print("not interrupted")
"""


@pytest.mark.parametrize("how", ["os.kill", "raise_signal", "from a thread"])
def test_a_sigint_the_program_sends_itself_is_its_keyboardinterrupt(tmp_path: Path, how: str) -> None:
    """Without the debugger this is a KeyboardInterrupt that ends the program (a shell sees 130). It used to
    pause the program (the debugger's Ctrl+C), with nothing telling the client why."""
    prog = write(tmp_path, "selfint.py", SELF_SIGINT.format(how=how))
    dap = DapClient.stdio()
    try:
        dap.start(prog)
        stop = dap.stopped()
        assert stop["reason"] == "exception", stop
        assert "KeyboardInterrupt" in stop["text"], stop
        dap.request("continue", {"threadId": stop["threadId"]})
        _ends_with(dap, 130)
        assert "KeyboardInterrupt" in dap.output("stderr")
        assert "not interrupted" not in dap.output()
    finally:
        assert dap.close() == 0, dap.stderr()


def test_a_sigint_sent_while_the_program_prints_lands_in_its_code(dap: DapClient, tmp_path: Path) -> None:
    """The main thread spends most of a print loop in the debugger's code (the output path): the interrupt waits
    for the program's next line, so the program's own `except KeyboardInterrupt` sees it raised in its code and
    the debugger's state is whole (the session ends normally, the server exits 0)."""
    prog = write(
        tmp_path,
        "prints.py",
        """
        import os, signal, threading, time, traceback
        printing = False
        def send():  # once the main thread is in its print loop
            while not printing:
                time.sleep(0.001)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=send).start()
        start = time.monotonic()
        try:
            while time.monotonic() - start < 30:
                print("x" * 10)
                printing = True
            print("no interrupt")
        except KeyboardInterrupt as exc:
            files = [os.path.basename(f.filename) for f in traceback.extract_tb(exc.__traceback__)]
            print("interrupted in", sorted(set(files)))
        """,
    )
    dap.start(prog)
    _ends_with(dap, 0)
    lines = [x for x in dap.output().splitlines() if not x.startswith("xxx")]
    # the program's frame, and the debugger's signal handling that raised it there: nothing in between
    assert lines == ["interrupted in ['main_thread.py', 'prints.py']"], lines


def test_a_program_catching_its_own_sigint_runs_on(dap: DapClient, tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "catches.py",
        """
        import os, signal
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            print("caught")
        print("on")
        """,
    )
    dap.request("initialize", {"adapterID": "dapper"})
    dap.request("launch", {"program": str(prog)})
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    _ends_with(dap, 0)
    assert dap.output() == "caught\non\n"


FORKS = """
import os

from children import wait

codes = []
for i in range(20):
    pid = os.fork()
    if pid == 0:
        x = i  # child line
        if i % 2:
            os._exit(i)
        raise SystemExit(i)
    codes.append(wait(pid))
print("codes", codes)
"""


def test_forked_children_exit_by_themselves_and_never_write_to_the_channel(tmp_path: Path) -> None:
    """20 children (half `os._exit`, half SystemExit, with a breakpoint on a line only they run): each ends with
    its own code, and the client gets exactly one exited and one terminated, from the parent."""
    program(tmp_path, "children.py")
    prog = write(tmp_path, "forks.py", FORKS)
    dap = DapClient.stdio()
    try:
        dap.start(prog, {prog: [{"line": line_of(prog, "# child line")}]})
        _ends_with(dap, 0)
        assert f"codes {list(range(20))}" in dap.output(), dap.output()
        assert "stopped" not in _events(dap)
    finally:
        assert dap.close() == 0, dap.stderr()
