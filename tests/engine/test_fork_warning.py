"""`os.fork()` warns about other threads (3.12+) only when the program has them, as without the debugger.

CPython counts the process's threads, and under the debugger those include the debugger's own (the front end,
the file watcher): a single-threaded program that forks got "This process is multi-threaded, use of fork() may
lead to deadlocks in the child" (an error under `-W error`), which it never gets without the debugger.
"""

from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 12), reason="CPython warns about fork with threads from 3.12"
)

PROGRAM = """
import os
import threading
import warnings

worker = None
if {with_thread}:
    done = threading.Event()
    worker = threading.Thread(target=done.wait)
    worker.start()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
if worker is not None:
    done.set()
    worker.join()
print("warned:", [str(w.message).split(" is ")[-1] for w in caught])
"""


@pytest.mark.parametrize(
    ("with_thread", "expected"),
    [
        (False, "warned: []"),
        (True, "warned: ['multi-threaded, use of fork() may lead to deadlocks in the child.']"),
    ],
    ids=["single-threaded", "with-a-thread"],
)
def test_fork_warns_about_threads_only_when_the_program_has_them(driver, with_thread, expected) -> None:
    prog = driver.write("prog.py", PROGRAM.format(with_thread=with_thread))
    driver.launch(prog)
    assert driver.finish().exit_code == 0
    assert expected in driver.output()
