"""Edit and continue: after a reload, the frame the program is stopped in runs the new code from the matching
statement (or keeps its old code and says why), and a stopped frame can be restarted. Real sessions, real
files, real frames, on every supported Python."""

from __future__ import annotations

import re
from pathlib import Path

from dapper_tui.engine.breakpoints import BreakpointSpec
from helpers import edit

PROGRAM = """
    import calc

    print("result", calc.total(5))
    print("again", calc.total(5))
    """

CALC = """
    def total(n):
        acc = 0
        for i in range(n):
            acc += i  # loop
        return acc - 1000  # ret
    """


def _stop_at(driver, marker: str, hit: str | None = None):
    prog = driver.write("prog.py", PROGRAM)
    calc = driver.write("calc.py", CALC)
    line = driver.line_of(calc, marker)
    spec = BreakpointSpec(line, hit_condition=hit) if hit else line
    driver.session.set_breakpoints(str(calc), [spec])
    driver.launch(prog)
    driver.stopped()
    return calc


def _reload(driver, calc: Path, frame_codes: int):
    """Reload calc.py: it applies, and moves `frame_codes` stopped frames onto the new code."""
    result = driver.session.reload(str(calc))
    assert result.ok, result.error
    assert result.updatedFrameCodes == frame_codes, result.warnings
    return result


def test_the_stopped_frame_continues_in_the_new_code(driver) -> None:
    calc = _stop_at(driver, "# ret")
    edit(calc, "return acc - 1000", "return acc + 1000")
    result = _reload(driver, calc, frame_codes=1)
    assert result.frames
    assert result.frames[0]["moved"] is True
    name, line = driver.top()
    assert line == driver.line_of(calc, "# ret")
    assert "[old code]" not in name
    assert not driver.session.stack()[0].old_code
    assert driver.finish(clear=calc).exit_code == 0
    out = driver.output()
    assert "result 1010" in out, out  # the stopped call answers with the new line
    assert "again 1010" in out, out


def test_a_frame_stopped_in_a_loop_runs_the_rest_of_the_loop_in_new_code(driver) -> None:
    calc = _stop_at(driver, "# loop", hit="3")  # i == 2: 0 + 1 added by the old code
    edit(calc, "acc += i  # loop", "acc += i * 10  # loop")
    _reload(driver, calc, frame_codes=1)
    driver.finish(clear=calc)
    out = driver.output()
    assert "result -909" in out, out  # 1 + (2 + 3 + 4) * 10 - 1000
    assert "again -900" in out, out


def test_added_lines_and_a_new_local(driver) -> None:
    calc = _stop_at(driver, "# ret")
    edit(calc, "    acc = 0\n", "    # a comment\n    # and another\n    acc = 0\n")
    edit(calc, "    return acc - 1000  # ret", "    bonus = 7  # new\n    return acc + bonus")
    _reload(driver, calc, frame_codes=1)
    _, line = driver.top()
    assert line == driver.line_of(calc, "# new")  # the edited statement, two lines further down
    driver.finish(clear=calc)
    out = driver.output()
    assert "result 17" in out, out
    assert "again 17" in out, out


def test_a_changed_loop_header_keeps_the_old_code_and_says_why(driver) -> None:
    calc = _stop_at(driver, "# loop", hit="2")
    edit(calc, "for i in range(n):", "for i in range(n + 1):")
    result = driver.session.reload(str(calc))
    assert result.ok, result.error
    assert result.updatedFrameCodes == 0
    assert result.frames
    assert result.frames[0]["moved"] is False
    assert "loop" in result.frames[0]["reason"], result.frames
    assert any("keeps its old code" in w for w in result.warnings), result.warnings
    assert driver.session.stack()[0].old_code
    driver.finish(clear=calc)
    out = driver.output()
    assert "result -990" in out, out  # the stopped call finished on its old code
    assert "again -985" in out, out  # the next call runs the new code


def test_a_caller_frame_says_it_waits_for_its_call(driver) -> None:
    prog = driver.write("prog.py", PROGRAM)
    calc = driver.write(
        "calc.py",
        """
        def inner(n):
            return n  # in

        def total(n):
            acc = inner(n) - 1000
            return acc
        """,
    )
    driver.run_to(prog, "# in", calc)
    edit(calc, "acc = inner(n) - 1000", "acc = inner(n) + 1000")
    result = driver.session.reload(str(calc))
    assert result.ok, result.error
    reasons = {f["name"]: f["reason"] for f in result.frames}
    assert "waiting for the call" in reasons.get("total", ""), result.frames


def test_restart_frame_runs_the_function_again_from_its_first_line(driver) -> None:
    calc = _stop_at(driver, "# loop", hit="4")
    edit(calc, "acc += i  # loop", "acc += 100  # loop")
    result = driver.session.reload(str(calc))
    assert result.ok
    frame_id = driver.session.stack()[0].id
    line = driver.session.restart_frame(frame_id)
    assert line == driver.line_of(calc, "acc = 0")
    ev = driver.stopped()
    assert ev.reason == "restart"
    assert driver.value("n") == "5"
    driver.finish(clear=calc)
    out = driver.output()
    assert "result -500" in out, out  # one call, run again from the top in the new code
    assert out.count("result") == 1


def test_restart_refuses_a_caller_frame_with_the_reason(driver) -> None:
    prog = driver.write("prog.py", PROGRAM)
    calc = driver.write(
        "calc.py", "def inner(n):\n    return n  # in\n\n\ndef total(n):\n    return inner(n)\n"
    )
    driver.run_to(prog, "# in", calc)
    caller = driver.session.stack()[1]
    try:
        driver.session.restart_frame(caller.id)
    except ValueError as exc:
        assert "waiting for a call" in str(exc)
    else:
        raise AssertionError("a caller frame was restarted")
    driver.session.continue_()
    assert driver.finish().exit_code == 0


def test_the_scripts_own_top_level_continues_in_the_new_code(driver) -> None:
    prog = driver.write(
        "prog.py",
        """
        x = 1
        print("a", x)  # stop
        print("b", x * 2)  # edit
        """,
    )
    driver.run_to(prog, "# stop")
    edit(prog, 'print("b", x * 2)', 'print("b", x * 30)')
    result = driver.session.reload(str(prog))
    assert result.ok, result.error
    assert result.updatedFrameCodes == 1, result.warnings
    driver.finish(clear=prog)
    out = driver.output()
    assert "a 1" in out, out
    assert "b 30" in out, out
    assert out.count("a 1") == 1, out  # the statements before the stop did not run again


def test_update_frame_code_off_keeps_the_old_code(driver) -> None:
    calc = _stop_at(driver, "# ret")
    edit(calc, "return acc - 1000", "return acc + 1000")
    result = driver.session.reload(str(calc), {"updateFrameCode": False})
    assert result.ok
    assert result.updatedFrameCodes == 0
    assert result.frames == [
        {"name": "total", "line": 6, "moved": False, "newLine": None, "reason": "updateFrameCode is off"}
    ]
    driver.finish(clear=calc)
    out = driver.output()
    assert "result -990" in out, out
    assert "again 1010" in out, out


def test_stepping_and_breakpoints_work_in_the_moved_frame(driver) -> None:
    calc = _stop_at(driver, "acc = 0")
    edit(calc, "    acc = 0\n", "    acc = 0\n    acc = acc + 50  # added\n")
    _reload(driver, calc, frame_codes=1)
    driver.session.step_over()
    driver.stopped()
    assert driver.top()[1] == driver.line_of(calc, "# added")
    driver.session.step_over()
    driver.stopped()
    assert driver.value("acc") == "50"
    # a breakpoint set now, further down the moved frame's new code, hits in this same call
    driver.session.set_breakpoints(str(calc), [driver.line_of(calc, "# ret")])
    driver.session.continue_()
    driver.stopped()
    assert driver.top()[1] == driver.line_of(calc, "# ret")
    assert driver.value("acc") == "60"
    driver.finish(clear=calc)
    assert "result -940" in driver.output()


def test_the_variables_of_a_moved_frame_are_the_new_codes(driver) -> None:
    calc = _stop_at(driver, "# ret")
    edit(calc, "    return acc - 1000  # ret", "    extra = acc * 2  # new\n    return acc + extra")
    _reload(driver, calc, frame_codes=1)
    top = driver.session.stack()[0]
    [scope] = [s for s in driver.session.scopes(top.id) if s.name == "Locals"]
    names = [v.name for v in driver.session.variables(scope.reference)]
    assert sorted(names) == ["acc", "i", "n"], names  # nothing hidden, nothing stale; `extra` not yet bound
    driver.finish(clear=calc)
    assert "result 30" in driver.output()


def test_every_stopped_thread_in_the_function_moves(driver) -> None:
    prog = driver.write(
        "prog.py",
        """
        import threading
        import work

        ready = threading.Barrier(2)
        results = {}
        threads = [threading.Thread(target=work.run, args=(name, ready, results)) for name in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("results", sorted(results.items()))
        """,
    )
    work = driver.write(
        "work.py",
        """
        import time

        def run(name, ready, results):
            ready.wait()
            total = 0
            for i in range(200):
                time.sleep(0.002)
                total += 1  # count
            results[name] = total
        """,
    )
    driver.session.set_breakpoints(
        str(work), [BreakpointSpec(driver.line_of(work, "# count"), hit_condition="50")]
    )
    driver.launch(prog)
    driver.stopped()
    edit(work, "total += 1  # count", "total += 1000  # count")
    result = driver.session.reload(str(work))
    assert result.ok, result.error
    names = [(f["name"], f["moved"], f["reason"]) for f in result.frames]
    assert result.updatedFrameCodes == 2, names  # the stopped thread and the one parked beside it
    driver.finish(clear=work)
    out = driver.output()
    assert "results [('a'," in out, out
    values = [int(v) for v in re.findall(r"'[ab]', (\d+)", out)]
    assert len(values) == 2, out
    assert all(v > 1000 for v in values), out  # both threads ran the rest of their loops in the new code
