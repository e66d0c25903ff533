"""A front end may resume the program as soon as it hears of a stop, before the stopped thread has parked (here
it does so from inside the Stopped event itself). The thread must then run on, not wait for a resume that already
happened."""

from __future__ import annotations

import threading
from typing import Any

from dapper_tui.engine.events import Event, Exited, Stopped

LOOP = """
    total = 0
    for i in range(3):
        total += i                      # stop
    print("total", total)
    """


def test_a_resume_that_comes_before_the_thread_parks_is_not_lost(driver: Any) -> None:
    d = driver
    prog = d.write("loop.py", LOOP)
    stops: list[Stopped] = []
    exited = threading.Event()

    def continue_at_once(event: Event) -> None:
        if isinstance(event, Stopped):
            stops.append(event)
            d.session.continue_()
        elif isinstance(event, Exited):
            exited.set()

    d.session.subscribe(continue_at_once)
    d.session.set_breakpoints(str(prog), [d.line_of(prog, "# stop")])
    d.launch(prog)
    assert exited.wait(10), f"the program hung after {len(stops)} stop(s)"
    assert [s.reason for s in stops] == ["breakpoint"] * 3
    assert "total 3" in d.output()
