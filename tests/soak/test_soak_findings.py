"""What the reload soak found, as focused tests.

A save whose reload started while the program was stopped, and ran after it was resumed (a save that settles
takes 0.3 to 2 s), was refused with "the debuggee is running" and never applied, not even at the next stop. It
must be pending and applied at the next stop, as a save made while the program runs is.
"""

from __future__ import annotations

import threading

from dapper_tui.engine.reload_scope import DebuggerReloadScope
from dapper_tui.reload.record import ReloadRecord
from helpers import wait_until
from sessiondriver import stack_of

STATE = "COUNTER = 0\n\n\ndef version():\n    return {v}\n"
PROGRAM = """\
import time

import state

for _ in range(100000):
    state.COUNTER += 1
    time.sleep(0.01)  # checkpoint
"""


def test_a_save_that_settles_while_the_program_is_resumed_applies_at_the_next_stop(driver) -> None:
    state = driver.write("state.py", STATE.format(v=1))
    prog = driver.write("prog.py", PROGRAM)
    checkpoint = driver.line_of(prog, "# checkpoint")
    driver.session.set_breakpoints(str(prog), [checkpoint])
    driver.launch(prog)
    driver.stopped()
    scope = DebuggerReloadScope(driver.session)
    state.write_text("")  # a save that truncates first: the scope waits for the file to settle
    records: list[ReloadRecord] = []
    saving = threading.Thread(target=lambda: records.append(scope.reload(state)))
    saving.start()
    wait_until(  # the save waits for the file to settle
        lambda: any(frame.f_code.co_name == "_settled" for frame in stack_of(saving.ident)),
        what="the save never waited for the file to settle",
        interval=0.005,
    )
    driver.session.set_breakpoints(str(prog), [])
    driver.session.continue_()  # the user resumes while the save settles
    state.write_text(STATE.format(v=2))  # the rest of the save
    saving.join(10)
    [record] = records
    assert record.outcome == "pending", record.message
    driver.session.set_breakpoints(str(prog), [checkpoint])
    driver.stopped()
    assert scope.settle(10)
    assert driver.session.evaluate_value("state.version()") == 2
    assert driver.session.evaluate_value("state.COUNTER") > 0
