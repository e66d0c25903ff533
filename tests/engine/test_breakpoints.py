"""Line breakpoints on real programs: verified, moved, conditional, hit counts, log points, run-to-line."""

from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.events import Exited

PROGRAM = """
    import helper

    def work(n):
        total = 0
        for i in range(n):
            total += helper.double(i)   # loop line
        return total

    if __name__ == "__main__":
        print("result", work(5))
    """
HELPER = """
    def double(x):
        y = x * 2                       # helper line
        return y
    """


def test_line_breakpoint_stops_with_locals(driver):
    prog = driver.write("prog.py", PROGRAM)
    driver.write("helper.py", HELPER)
    line = driver.line_of(prog, "loop line")
    [bp] = driver.session.set_breakpoints(str(prog), [line])
    assert bp.verified
    assert bp.line == line
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.reason == "breakpoint"
    assert stop.hit_breakpoint_ids == (bp.id,)
    assert driver.top() == ("work", line)
    assert driver.value("i") == "0"
    assert driver.value("n") == "5"
    driver.session.continue_()
    driver.stopped()
    assert driver.value("i") == "1"
    assert driver.finish(clear=prog).exit_code == 0
    assert "result 20" in driver.output()


def test_breakpoint_in_module_imported_later_and_unverified_lines(driver):
    prog = driver.write("prog.py", PROGRAM)
    helper = driver.write("helper.py", HELPER)
    bps = driver.session.set_breakpoints(str(helper), [1, driver.line_of(helper, "helper line"), 99])
    # line 1 is blank: moved to the next line with code; line 99 does not exist
    assert bps[0].verified
    assert bps[0].line == 2
    assert "moved" in bps[0].message
    assert not bps[2].verified
    driver.run_to(prog, "helper line", helper)
    assert driver.top()[0] == "double"
    assert driver.value("x") == "0"


def test_condition_hit_count_and_log_point(driver):
    prog = driver.write("prog.py", PROGRAM)
    driver.write("helper.py", HELPER)
    line = driver.line_of(prog, "loop line")
    driver.session.set_breakpoints(str(prog), [BreakpointSpec(line, condition="i == 3")])
    driver.launch(prog)
    driver.stopped()
    assert driver.value("i") == "3"
    driver.session.set_breakpoints(str(prog), [BreakpointSpec(line, hit_condition=">=2")])
    driver.session.continue_()  # i == 4 is its first hit after the change, not yet >= 2 hits
    assert isinstance(driver.wait(Exited), Exited)

    driver.session.set_breakpoints(str(prog), [BreakpointSpec(line, hit_condition="3")])
    driver.session.restart()
    driver.stopped()
    assert driver.value("i") == "2"  # the third hit
    driver.session.set_breakpoints(str(prog), [BreakpointSpec(line, log_message="i={i} total={total}")])
    driver.session.continue_()
    assert driver.wait(Exited).exit_code == 0
    console = "".join(e.text for e in driver.seen if getattr(e, "category", "") == "console")
    assert "i=3 total=6" in console
    assert "i=4 total=12" in console


def test_run_to_line_is_temporary(driver):
    prog = driver.write("prog.py", PROGRAM)
    driver.write("helper.py", HELPER)
    driver.launch(prog, stop_on_entry=True)
    assert driver.stopped().reason == "entry"
    driver.session.run_to_line(str(prog), driver.line_of(prog, "return total"))
    driver.stopped()
    assert driver.value("total") == "20"
    assert driver.session.breakpoint_list() == []
    assert driver.finish().exit_code == 0


def test_function_breakpoint(driver):
    prog = driver.write("prog.py", PROGRAM)
    driver.write("helper.py", HELPER)
    [bp] = driver.session.set_function_breakpoints(["helper.double"])
    assert bp.verified
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.reason == "function breakpoint"
    assert driver.top() == ("double", 3)
    assert driver.value("x") == "0"
