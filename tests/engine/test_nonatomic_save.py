"""A save that is not atomic (the file is truncated, then written a moment later) never loses module state: the
real watcher (watchfiles, through the one reload coordinator) sees the empty file first, and must not reload it.

`DAPPER_NONATOMIC_SAVES=40` runs the full measurement (40 saves at gaps of 0 to 500 ms)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from helpers import wait_until

GAPS = (0.0, 0.06, 0.1, 0.25, 0.5, 0.03, 0.15, 0.4)

STATE = """\
COUNTER = 0
ITEMS = []
NAME = "initial"


def version():
    return {v}
"""


def _stop_with_state(driver) -> Path:
    state = driver.write("state.py", STATE.format(v=0))
    prog = driver.write(
        "prog.py",
        "import state\nstate.COUNTER = 41\nstate.ITEMS.append('kept')\nstate.NAME = 'changed'\n"
        "breakpoint()\nprint(state.COUNTER, state.version())\n",
    )
    driver.launch(prog)
    driver.stopped()
    return state


def _kept(driver) -> tuple[str, str, str]:
    return driver.value("state.COUNTER"), driver.value("state.ITEMS"), driver.value("state.NAME")


def _wait_version(driver, v: int, what: Callable[[], object]) -> None:
    def has_version() -> bool:
        try:
            return driver.value("state.version()") == str(v)
        except Exception:  # version() deleted by a reload of the empty file
            return False

    wait_until(has_version, 10.0, what, interval=0.05)


def test_truncate_then_write_saves_keep_module_state(driver):
    count = int(os.environ.get("DAPPER_NONATOMIC_SAVES", len(GAPS)))
    state = _stop_with_state(driver)
    lost: list[tuple[int, float, tuple[str, str, str]]] = []
    with driver.saves() as saves:
        assert _kept(driver) == ("41", "['kept']", "'changed'")
        for i in range(1, count + 1):
            gap = GAPS[(i - 1) % len(GAPS)]
            with open(state, "w") as f:  # truncates: the watcher sees an empty module.
                f.flush()
                os.fsync(f.fileno())
                time.sleep(gap)
                f.write(STATE.format(v=i))
            _wait_version(driver, i, lambda i=i, gap=gap: (i, gap, saves.drain()))
            kept = _kept(driver)
            if kept != ("41", "['kept']", "'changed'"):
                lost.append((i, gap, kept))
        records = saves.drain()
        assert not lost, f"{len(lost)} of {count} saves lost state: {lost}"
        refused = [r for r in records if r.outcome == "skipped" and "the file is empty" in r.message]
        assert all("press R to apply it" in r.message for r in refused)
        print(f"\n{len(lost)} of {count} non-atomic saves lost state; {len(refused)} empty reads refused")
    driver.session.continue_()
    assert driver.finish().exit_code == 0
    assert driver.output().splitlines() == [f"41 {count}"]


def test_an_empty_save_is_refused_with_the_reason_and_an_explicit_reload_applies_it(driver):
    state = _stop_with_state(driver)
    with driver.saves() as saves:
        state.write_text("")
        record = saves.until("skipped")  # nothing else may be applied meanwhile
        assert record.message == "the file is empty: not reloaded from a save; press R to apply it"
        assert _kept(driver) == ("41", "['kept']", "'changed'")
        result = driver.session.reload(str(state))  # what R, `reload` and dapper/hotReload do
        assert result.ok, result.error
        assert "version" in result.removed


def test_a_save_that_removes_most_of_the_state_is_refused_but_a_small_edit_applies(driver):
    state = _stop_with_state(driver)
    with driver.saves() as saves:
        state.write_text("def version():\n    return 5\n")  # COUNTER, ITEMS and NAME gone
        record = saves.next()
        assert record.outcome == "skipped", record
        assert record.message.startswith("the save removes 3 of the 3 names that hold state"), record.message
        assert "COUNTER" in record.message
        assert "press R to apply it" in record.message
        assert _kept(driver) == ("41", "['kept']", "'changed'")
        state.write_text(STATE.format(v=6).replace('NAME = "initial"\n', ""))  # one of three: applies
        _wait_version(driver, 6, saves.drain)
        assert driver.value("state.COUNTER") == "41"


def test_a_fifo_saved_in_place_of_a_module_is_refused_without_blocking_the_watcher(driver):
    state = _stop_with_state(driver)
    with driver.saves() as saves:
        state.unlink()
        os.mkfifo(state)
        record = saves.until("failed")
        assert record.message.startswith("state.py is a FIFO (named pipe), not a regular file"), record
        assert _kept(driver) == ("41", "['kept']", "'changed'")
        state.unlink()
        state.write_text(STATE.format(v=7))  # the watcher still answers
        _wait_version(driver, 7, saves.drain)
        assert _kept(driver) == ("41", "['kept']", "'changed'")
