"""Breakpoints in frames that still run old code after a reload (a frame that was not moved into the new code).

Such a frame counts its lines in the text its code was compiled from. It must stop at the old lines that hold
the user's breakpoints (the breakpoint's line mapped back through the reloads), never at an old line only
because its number equals a breakpoint's new line, and never at a line the old text did not have. Its stops
and its stack entry say it runs old code, with the line in the old text. Real sessions, real files, real
frames, on every supported Python (3.11: bytecode hooks; 3.12+: sys.monitoring).
"""

from __future__ import annotations

from pathlib import Path

PROGRAM = """
    import calc

    print("first", calc.total([1, 2, 3]))
    print("second", calc.total([10]))
    """

CALC = """\
    def total(items):
        acc = 0
        for x in items:
            acc += x
            print("acc", acc)  # bp
        print("done", acc)
        return acc
    """

KEEP_OLD = {"updateFrameCode": False}  # the stopped frame keeps its old code


def _start(driver) -> tuple[Path, int]:
    prog = driver.write("prog.py", PROGRAM)
    calc = driver.write("calc.py", CALC)
    driver.run_to(prog, "# bp", calc)
    assert driver.value("x") == "1"
    return calc, driver.line_of(calc, "# bp")


def _prepend(path: Path, lines: str) -> None:
    path.write_text(lines + path.read_text())


def _reload(driver, path: Path) -> None:
    result = driver.session.reload(str(path), KEEP_OLD)
    assert result.ok, result.error


def _bp_lines(driver, path: Path) -> list[int]:
    return [b.line for b in driver.session.breakpoint_list() if b.path == str(path.resolve())]


def _top(driver):
    return driver.session.stack()[0]


def test_old_code_stops_at_its_own_line_of_the_moved_breakpoint(driver) -> None:
    calc, bp = _start(driver)
    _prepend(calc, "# one\n# two\n")
    _reload(driver, calc)
    assert _bp_lines(driver, calc) == [bp + 2]  # the breakpoint moved with its line
    top = _top(driver)
    assert top.old_code
    assert top.line == bp
    for x in ("2", "3"):
        driver.session.continue_()
        stop = driver.stopped()
        top = _top(driver)
        # the old code stops on its own print line, not on old line bp + 2 (`return acc`)
        assert (top.name, top.line, top.old_code) == ("total", bp, True), (top, stop)
        assert driver.value("x") == x
        assert stop.reason == "breakpoint", stop
        assert "old code" in stop.description, stop
    driver.session.continue_()
    driver.stopped()  # the next call runs the new code: the breakpoint's new line
    top = _top(driver)
    assert (top.line, top.old_code) == (bp + 2, False)
    assert driver.value("x") == "10"
    assert "old code" not in driver.seen[-1].description
    assert driver.finish().exit_code == 0
    assert "first 6" in driver.output()


def test_old_code_follows_its_breakpoint_through_two_reloads(driver) -> None:
    calc, bp = _start(driver)
    _prepend(calc, "# one\n# two\n")
    _reload(driver, calc)
    _prepend(calc, "# three\n")
    _reload(driver, calc)
    assert _bp_lines(driver, calc) == [bp + 3]
    driver.session.continue_()
    driver.stopped()
    top = _top(driver)
    assert (top.line, top.old_code) == (bp, True)
    assert driver.value("x") == "2"
    assert driver.finish(clear=calc).exit_code == 0


def test_a_breakpoint_on_a_line_the_old_text_did_not_have_stops_only_the_new_code(driver) -> None:
    calc, bp = _start(driver)
    text = calc.read_text()
    calc.write_text(text.replace("        acc += x\n", "        acc += x\n        acc *= 1  # new\n"))
    new = driver.line_of(calc, "# new")
    assert new == bp  # the new statement has the number of the old print line
    _reload(driver, calc)
    driver.session.set_breakpoints(str(calc), [new])
    driver.session.continue_()
    stop = driver.stopped()  # not in the old call (its line `new` is the print): in the next, new, call
    top = _top(driver)
    assert (top.line, top.old_code) == (new, False), (top, stop)
    assert driver.value("x") == "10"
    assert "acc 6" in driver.output()  # the old call ran to its end without stopping
    assert driver.finish().exit_code == 0


def test_a_breakpoint_set_after_the_reload_stops_the_old_code_at_its_old_line(driver) -> None:
    calc, _ = _start(driver)
    done_before = driver.line_of(calc, 'print("done"')
    _prepend(calc, "# one\n# two\n")
    _reload(driver, calc)
    done = driver.line_of(calc, 'print("done"')
    assert done == done_before + 2
    driver.session.set_breakpoints(str(calc), [done])  # the loop's breakpoint goes, one after the loop comes
    driver.session.continue_()
    stop = driver.stopped()
    top = _top(driver)
    assert (top.line, top.old_code) == (done_before, True), (top, stop)  # no hooks there: traced instead
    assert driver.value("acc") == "6"
    driver.session.continue_()
    driver.stopped()
    top = _top(driver)
    assert (top.line, top.old_code) == (done, False)
    assert driver.value("acc") == "10"
    assert driver.finish().exit_code == 0


STEPPED = """\
    def step(x):
        return x * 2  # step


    def total(items):
        acc = 0
        for x in items:
            acc += step(x)  # loop
        print("done", acc)
        return acc
    """


def test_a_caller_left_on_old_code_stops_at_its_moved_breakpoint(driver) -> None:
    """Edit and continue moves the stopped frame; its caller, waiting for the call, keeps its old code."""
    prog = driver.write("prog.py", PROGRAM)
    calc = driver.write("calc.py", STEPPED)
    step, loop = driver.line_of(calc, "# step"), driver.line_of(calc, "# loop")
    driver.session.set_breakpoints(str(calc), [step, loop])
    driver.launch(prog)
    driver.stopped()
    assert driver.top() == ("total", loop)
    driver.session.continue_()
    driver.stopped()
    assert driver.top() == ("step", step)
    _prepend(calc, "# one\n# two\n")
    result = driver.session.reload(str(calc))
    assert result.ok, result.error
    assert sorted(_bp_lines(driver, calc)) == [step + 2, loop + 2]
    caller = driver.session.stack()[1]
    assert (caller.name, caller.line, caller.old_code) == ("total", loop, True), result.frames
    seen = []
    for _ in range(6):  # every stop of the program, in order
        driver.session.continue_()
        driver.stopped()
        top = _top(driver)
        seen.append((top.name, top.line, top.old_code, driver.value("x")))
    assert seen == [
        ("total", loop, True, "2"),  # the old loop line, not old line loop + 2 (`print("done", acc)`)
        ("step", step + 2, False, "2"),
        ("total", loop, True, "3"),
        ("step", step + 2, False, "3"),
        ("total", loop + 2, False, "10"),  # the second call runs the new code
        ("step", step + 2, False, "10"),
    ], seen
    assert driver.finish().exit_code == 0
    assert "first 12" in driver.output()


SCRIPT = """\
    import sys
    started = True  # top
    seen = []


    def f(x):
        y = x + 1  # in f
        return y
    print("f", f(1))
    """


def test_a_function_the_old_script_body_defines_later_stops_at_its_old_line(driver) -> None:
    prog = driver.write("prog.py", SCRIPT)
    top, in_f = driver.line_of(prog, "# top"), driver.line_of(prog, "# in f")
    _, in_f_bp = driver.session.set_breakpoints(str(prog), [top, in_f])
    in_f_id = in_f_bp.id
    driver.launch(prog)
    driver.stopped()
    assert driver.top() == ("<module>", top)
    _prepend(prog, "# one\n# two\n")
    _reload(driver, prog)
    assert _bp_lines(driver, prog) == [top + 2, in_f + 2]
    driver.session.continue_()
    stop = driver.stopped()
    frame = _top(driver)
    assert (frame.name, frame.line) == ("f", in_f), (frame, stop)
    assert stop.hit_breakpoint_ids == (in_f_id,), stop
    assert "old code" in stop.description, stop
    assert driver.value("x") == "1"
    assert driver.finish().exit_code == 0
