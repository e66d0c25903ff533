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

pytestmark = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring backend")


def test_code_run_by_a_front_end_thread_during_a_step_gets_no_line_events(driver: Any) -> None:
    prog = driver.write(
        "slow_step.py",
        """
        import time
        x = 1  # stop
        time.sleep(0.6)
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

    def front_end() -> None:  # not a program thread: it runs library code while the step is under way
        while not stop.is_set():
            encoder.encode({"a": [1, 2]})

    worker = threading.Thread(target=front_end)
    worker.start()
    try:
        driver.session.step_in()  # time.sleep(0.6): a step into is under way for 0.6 s
        assert isinstance(driver.stopped(), Stopped)
    finally:
        stop.set()
        worker.join()
    tool = driver.session.backend.tool
    events = sys.monitoring.get_local_events(tool, json.JSONEncoder.encode.__code__)
    assert not events & sys.monitoring.events.LINE, "the front end's code got line events"
