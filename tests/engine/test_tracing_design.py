"""What the tracing backends leave switched on while the program just runs, and what a hot reload costs them.

3.12+: no global sys.monitoring events, local events only on the code objects that hold breakpoints, no RAISE
once the "raised" filter is off. 3.11: hooks only in the code of the breakpointed function, no trace function.
Both: reloading a file that holds a breakpoint finds its functions without a heap scan.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from types import CodeType

import pytest
from dapper_tui.engine.events import InputRequested

BYTECODE = sys.version_info < (3, 12)

RUNNING = """\
import sys

def work(n):
    return n * 2              # bp

def other(n):
    return n + 1

print("first", work(1), other(1))
input("check? ")
print("trace", sys.gettrace())
input("raised on? ")
try:
    raise KeyError("k")       # raises
except KeyError:
    pass
input("raised off? ")
print("trace", sys.gettrace(), work(2), other(2))
"""


def _code_of(prog: Path, name: str) -> CodeType:
    """The function's code as compiled from the source, untouched by any debugger."""
    module = compile(prog.read_text(), str(prog), "exec")
    return next(c for c in module.co_consts if getattr(c, "co_name", None) == name)


@pytest.mark.skipif(BYTECODE, reason="sys.monitoring is the 3.12+ backend")
def test_monitoring_enables_only_local_events_on_breakpointed_code(driver):
    mon = sys.monitoring
    E = mon.events
    prog = driver.write("prog.py", RUNNING)
    driver.run_to(prog, "# bp")
    driver.session.continue_()
    driver.wait(InputRequested)  # running, not stopped, not stepping
    tool = driver.session.backend.tool
    main = sys.modules["__main__"]
    assert mon.get_events(tool) == 0, "no global events while the program just runs"
    assert mon.get_local_events(tool, main.work.__code__) & E.LINE
    assert mon.get_local_events(tool, main.other.__code__) == 0

    driver.session.set_exception_breakpoints(["uncaught", "raised"])
    assert mon.get_events(tool) & E.RAISE
    driver.session.send_input("")
    driver.wait(InputRequested)
    driver.session.send_input("")
    stop = driver.stopped()
    assert stop.reason == "exception"
    assert driver.top()[1] == driver.line_of(prog, "# raises")
    driver.session.continue_()
    driver.wait(InputRequested)
    driver.session.set_exception_breakpoints(["uncaught"])
    assert not mon.get_events(tool) & E.RAISE, "RAISE is off with the filter"
    assert mon.get_events(tool) == 0
    assert mon.get_local_events(tool, main.other.__code__) == 0
    driver.session.set_breakpoints(str(prog), [])
    assert mon.get_local_events(tool, main.work.__code__) == 0, "removing the breakpoint clears its events"
    driver.session.send_input("")
    assert driver.finish().exit_code == 0
    assert driver.output().count("trace None") == 2


@pytest.mark.skipif(not BYTECODE, reason="bytecode hooks are the 3.11 backend")
def test_bytecode_hooks_only_the_breakpointed_function_and_sets_no_trace(driver):
    from dapper_tui.engine.tracing.bytecode import _Active

    prog = driver.write("prog.py", RUNNING)
    driver.run_to(prog, "# bp")
    driver.session.continue_()
    driver.wait(InputRequested)
    main = sys.modules["__main__"]
    work, other = main.work.__code__, main.other.__code__
    assert _Active.line_hook in work.co_consts, "the breakpointed function runs hooked code"
    assert work.co_code != _code_of(prog, "work").co_code
    assert _Active.line_hook not in other.co_consts
    assert other.co_code == _code_of(prog, "other").co_code, "an unrelated function is untouched"
    driver.session.send_input("")
    driver.wait(InputRequested)
    driver.session.send_input("")
    driver.wait(InputRequested)
    driver.session.send_input("")
    assert driver.finish().exit_code == 0
    assert driver.output().count("trace None") == 2, "no trace function while running and not stepping"


def test_reloading_a_file_with_a_breakpoint_scans_no_heap(driver, pricing_program, monkeypatch):
    prog, pricing = pricing_program
    driver.session.set_breakpoints(str(pricing), [driver.line_of(pricing, "# body")])
    driver.run_to(prog, "# loop")  # in the loop, before the first call: no frame runs the code being reloaded
    # the first reload of a file builds the hot reload's code index with one heap walk (hot reload's own cost)
    pricing.write_text(pricing.read_text().replace("n * 10", "n * 100"))
    assert driver.session.reload(str(pricing)).ok

    full_scans: list[int] = []
    real = gc.get_objects

    def counting(*args: object, **kwargs: object) -> list[object]:
        if not args and kwargs.get("generation") is None:
            full_scans.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gc, "get_objects", counting)
    pricing.write_text("# a line above moves the breakpoint\n" + pricing.read_text().replace("100", "1000"))
    result = driver.session.reload(str(pricing))
    monkeypatch.setattr(gc, "get_objects", real)
    assert result.ok, result.error
    assert full_scans == [], "no full heap scan on the reload"

    body = driver.line_of(pricing, "# body")  # one line further down now
    driver.session.set_breakpoints(str(prog), [])
    driver.session.continue_()
    driver.stopped()
    assert driver.top() == ("price", body), "the breakpoint hits in the reloaded code, at its new line"
    assert driver.value("n") == "0"
    driver.session.continue_()
    driver.stopped()
    assert driver.value("n") == "1"
    assert driver.finish(clear=pricing).exit_code == 0
    assert "price 1000" in driver.output()
