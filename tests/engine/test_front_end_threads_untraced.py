"""While the program steps, the front end's threads keep running their own code (the app draws, the watcher
watches). With library code shown (--all-code), none of that code may get line events: it would slow the app
for the rest of the stop (3.12+: sys.monitoring events are per code object, not per thread)."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import pytest
from dapper_tui.engine.events import Stopped
from helpers import wait_until

pytestmark = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring backend")


def test_code_run_by_a_front_end_thread_during_a_step_gets_no_line_events(driver: Any) -> None:
    # the step over `gate.HELD.acquire(...)` (a C call) is under way until the test releases the lock
    driver.write("gate.py", "import _thread\n\nHELD = _thread.allocate_lock()\nHELD.acquire()\n")
    prog = driver.write(
        "slow_step.py",
        """
        import gate
        x = 1  # stop
        gate.HELD.acquire(timeout=10)
        y = 2
        """,
    )
    driver.session.close()
    driver.session = type(driver.session)(driver.events.put, just_my_code=False)
    assert driver.run_to(prog, "# stop").reason == "breakpoint"
    driver.session.step_over()  # x = 1
    driver.stopped()
    encoder = json.JSONEncoder()
    stop = threading.Event()
    encoded: list[int] = []

    def front_end() -> None:  # not a program thread: it runs library code while the step is under way
        while not stop.is_set():
            encoder.encode({"a": [1, 2]})
            encoded.append(1)

    worker = threading.Thread(target=front_end)
    worker.start()
    try:
        driver.session.step_in()  # into a C call: the step is under way until the lock is released
        wait_until(lambda: driver.session.state == "running", what="the step never started")
        count = len(encoded)
        wait_until(
            lambda: len(encoded) > count + 100, what="the front end's thread never ran during the step"
        )
        sys.modules["gate"].HELD.release()
        assert isinstance(driver.stopped(), Stopped)
    finally:
        stop.set()
        worker.join()
    tool = driver.session.backend.tool
    events = sys.monitoring.get_local_events(tool, json.JSONEncoder.encode.__code__)
    assert not events & sys.monitoring.events.LINE, "the front end's code got line events"
