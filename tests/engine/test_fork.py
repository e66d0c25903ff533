"""`os.fork()` under the debugger: the child lets go of the debugger and runs on (engine/forking.py).

The child's output reaches the front end through descriptors 1 and 2 (as under the TUI, whose descriptors are
pipes to the Output pane): the tests capture them the same way, with the engine's DescriptorCapture.
The programs wait for their children with a deadline (tests/programs/children.py) and say how many hung, so a regression fails, not hangs.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from dapper_tui.engine.events import Output, Stopped
from dapper_tui.engine.fdcapture import DescriptorCapture
from helpers import program, wait_until

FORKS = """
import os

from children import wait


def never_called():
    return 0  # never


results = []
for i in range(20):
    pid = os.fork()
    if pid == 0:
        print(f"child {i} runs")  # child line
        os._exit(0)
    results.append(wait(pid))
print("hung", results.count("hung"), "exit codes", sorted(set(map(str, results))))
"""


@contextlib.contextmanager
def descriptors_to(d: Any) -> Iterator[None]:
    """Descriptors 1 and 2 go to the driver's events, as the TUI sends them to the Output pane. (In the test's
    body: pytest points descriptor 1 back at its own file when the call phase starts.)"""
    capture = DescriptorCapture(d.events.put)
    capture.start()
    try:
        yield
    finally:
        capture.stop()


def _output_until(d: Any, text: str, timeout: float = 5.0) -> str:
    """The program's stdout (both streams' pipe included) once `text` is in it; the pipe lags a little."""
    wait_until(lambda: text in d.output(), timeout, lambda: f"{text!r} not in the output: {d.output()!r}")
    return d.output()


@pytest.mark.parametrize("where", ["child line", "never", "none"])
def test_twenty_forks_finish_and_the_children_are_heard(driver: Any, where: str) -> None:
    """A breakpoint on a line only the children run (a child used to stop there and wait for ever, and its
    parent with it), one in code nobody runs, or none: 20 of 20 children run, print and exit."""
    d = driver
    program(d.tmp, "children.py")
    prog = d.write("forks.py", FORKS)
    if where != "none":
        d.session.set_breakpoints(str(prog), [d.line_of(prog, f"# {where}")])
    with descriptors_to(d):
        d.launch(prog)
        exited = d.finish(timeout=60)
        out = _output_until(d, "child 19 runs")
    assert exited.exit_code == 0
    assert "hung 0 exit codes ['0']" in out
    assert all(f"child {i} runs" in out for i in range(20)), out
    assert not any(isinstance(e, Stopped) for e in d.seen)


STEP_OVER_FORK = """
import os, sys

from children import wait

pid = os.fork()  # fork here
if pid == 0:
    print("child after the step")  # child line
    sys.exit(7)
status = wait(pid)
print("parent got", status)  # parent line
"""


def test_stepping_over_a_fork_stops_the_parent_only(driver: Any) -> None:
    """A step under way at the fork goes on in the parent; the child, which ends with sys.exit(7) in the
    program's main thread, does not stop, and exits with the program's code instead of returning into the
    debugger."""
    d = driver
    program(d.tmp, "children.py")
    prog = d.write("step.py", STEP_OVER_FORK)
    d.session.set_breakpoints(str(prog), [d.line_of(prog, "# fork here"), d.line_of(prog, "# parent line")])
    with descriptors_to(d):
        d.launch(prog)
        d.stopped()
        assert d.top() == ("<module>", d.line_of(prog, "# fork here"))
        d.session.step_over()
        d.stopped()
        assert d.top() == ("<module>", d.line_of(prog, "pid == 0"))
        d.session.continue_()
        d.stopped()
        assert d.top() == ("<module>", d.line_of(prog, "# parent line"))
        assert d.value("status") != "'hung'"
        assert d.finish().exit_code == 0
        out = _output_until(d, "parent got")
    assert "child after the step" in out
    assert "parent got 7" in out


POOL = """
import multiprocessing as mp
import sys


def square(x):
    return x * x  # worker line


if __name__ == "__main__":
    ctx = mp.get_context(sys.argv[1])
    with ctx.Pool(2) as pool:
        result = pool.map(square, range(10))
    print("result", result)
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_pool_map(driver: Any, method: str) -> None:
    """With a breakpoint in the function only the workers run: fork workers let go of the debugger, spawn
    workers are new interpreters; both give the right result."""
    d = driver
    prog = d.write(f"pool_{method}.py", POOL)
    d.session.set_breakpoints(str(prog), [d.line_of(prog, "# worker line")])
    with descriptors_to(d):
        d.launch(prog, method)
        exited = d.finish(timeout=60)
        out = _output_until(d, "result")
    assert exited.exit_code == 0, out
    assert f"result {[x * x for x in range(10)]}" in out


CHILD_FAILS = """
import os

pid = os.fork()
if pid == 0:
    breakpoint()
    print("child after breakpoint()")
    raise ValueError("boom in the child")
_, status = os.waitpid(pid, 0)
print("child exit code", os.waitstatus_to_exitcode(status))
"""


def test_a_child_ignores_breakpoint_calls_and_reports_its_uncaught_exception(driver: Any) -> None:
    """In the child, `breakpoint()` does nothing and an uncaught exception is printed once (by the exception
    hook, from the program's frames on) and ends the child with code 1, as Python would; nothing stops."""
    d = driver
    prog = d.write("fails.py", CHILD_FAILS)
    with descriptors_to(d):
        d.launch(prog)
        assert d.finish(timeout=30).exit_code == 0
        out = _output_until(d, "child exit code")
        err = "".join(e.text for e in d.seen if isinstance(e, Output) and e.category == "stderr")
        err = re.sub(r"\x1b\[[0-9;]*m", "", err)  # on a terminal, 3.13 colours the traceback
    assert "child after breakpoint()" in out
    assert "child exit code 1" in out
    assert err.count("ValueError: boom in the child") == 1, err
    assert "engine" not in err.replace(str(prog), "")
    assert not any(isinstance(e, Stopped) for e in d.seen)
