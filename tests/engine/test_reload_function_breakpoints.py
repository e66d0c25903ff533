"""A function breakpoint keeps stopping in a function a hot reload gave new code (both tracing backends)."""

from __future__ import annotations

from dapper_tui.engine.events import Exited, Stopped

SHAPES = "def area(n):\n    k = n * 10\n    return k\n"
EDITED = "def area(n):\n    print('new code')\n    k = n * 100\n    return k\n"


def test_a_function_breakpoint_stops_in_the_reloaded_function(driver):
    shapes = driver.write("shapes.py", SHAPES)
    prog = driver.write("prog.py", "import shapes\n\nfor i in range(3):\n    print('area', shapes.area(i))\n")
    driver.session.set_function_breakpoints(["area"])
    driver.launch(prog)
    assert driver.stopped().reason == "function breakpoint"
    shapes.write_text(EDITED)
    assert driver.session.reload(str(shapes)).ok
    driver.session.continue_()
    stop = driver.wait((Stopped, Exited))  # type: ignore[arg-type]
    assert isinstance(stop, Stopped), "the program ran past the function breakpoint"
    assert stop.reason == "function breakpoint"
    assert driver.top() == ("area", 2)
    assert driver.value("n") == "1"
    assert driver.finish().exit_code == 0
