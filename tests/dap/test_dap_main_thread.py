"""The program runs on the real main thread under `dapper-tui dap`: signals, asyncio signal handlers,
`threading.main_thread()`, SIGINT pausing and terminate reaching a blocked program."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from dapclient import DapClient
from helpers import line_of, program, write


def test_signal_handlers_install_and_fire(dap: DapClient, tmp_path: Path) -> None:
    prog = program(tmp_path, "signals.py")
    dap.start(prog, breakpoints={prog: [{"line": line_of(prog, "# end")}]})
    dap.stopped()
    out = dap.output()
    assert "main thread: True" in out
    assert "SIGUSR1 handled: True" in out
    assert "add_signal_handler fired" in out
    dap.request("continue", {"threadId": dap.stopped()["threadId"]})
    dap.wait_event("exited")
    assert "Traceback" not in dap.output("stderr")


def test_sigint_pauses_the_running_program(dap: DapClient, tmp_path: Path) -> None:
    prog = program(tmp_path, "loop.py")
    dap.start(prog)
    dap.wait_output("looping")  # the program runs (n > 0) before the signal
    mark = dap.mark()
    assert dap.proc is not None
    os.kill(dap.proc.pid, signal.SIGINT)
    body = dap.stopped(start=mark)
    assert body["reason"] == "pause"
    frame = dap.top_frame(body["threadId"])
    assert frame["source"]["path"] == str(prog)
    assert int(dap.locals(frame["id"])["n"]) > 0
    dap.request("continue", {"threadId": body["threadId"]})
    mark = dap.mark()
    os.kill(dap.proc.pid, signal.SIGINT)  # again: still a pause, never a KeyboardInterrupt in the program
    assert dap.stopped(start=mark)["reason"] == "pause"
    assert "KeyboardInterrupt" not in dap.output("stderr")


OWN_SIGINT = """\
import signal, time
caught = []
signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
print("ready", flush=True)
while not caught:
    time.sleep(0.01)
print("program's own handler ran")
"""


def test_a_program_with_its_own_sigint_handler_gets_it(dap: DapClient, tmp_path: Path) -> None:
    prog = write(tmp_path, "own.py", OWN_SIGINT)
    dap.start(prog)
    dap.wait_output("ready")
    assert dap.proc is not None
    os.kill(dap.proc.pid, signal.SIGINT)
    dap.wait_output("program's own handler ran")
    dap.wait_event("exited")


BLOCKED = """\
import time
print("sleeping", flush=True)
try:
    time.sleep(1000)
finally:
    print("finally ran", flush=True)
"""


def test_terminate_reaches_a_program_blocked_in_a_call(dap: DapClient, tmp_path: Path) -> None:
    prog = write(tmp_path, "blocked.py", BLOCKED)
    dap.start(prog)
    dap.wait_output("sleeping")
    dap.request("terminate")
    dap.wait_event("terminated", timeout=10)  # not the program's 1000 s
    assert "finally ran" in dap.output()
