"""Exceptions: uncaught stops post-mortem on the failing frame; raised stops only when asked."""

PROGRAM = """
    def parse(text):
        return int(text)                # raises

    def load(items):
        return [parse(x) for x in items]

    try:
        parse("nope")
    except ValueError:
        pass                            # handled
    print(load(["1", "x"]))
    """


def test_uncaught_exception_is_post_mortem_on_the_failing_frame(driver):
    prog = driver.write("prog.py", PROGRAM)
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.reason == "exception"
    assert stop.post_mortem
    assert "ValueError" in stop.text
    assert "'x'" in stop.text
    frames = driver.session.stack()
    assert frames[0].name == "parse"
    assert frames[0].line == driver.line_of(prog, "raises")
    assert driver.value("text") == "'x'"  # locals of the dead frame are still there
    names = [f.name for f in frames]
    assert "load" in names
    assert "<module>" in names
    ev = driver.finish()
    assert ev.exit_code == 1
    errors = "".join(e.text for e in driver.seen if getattr(e, "category", "") == "stderr")
    assert "ValueError" in errors
    assert "dapper_tui" not in errors


def test_raised_filter_stops_at_handled_raise(driver):
    prog = driver.write("prog.py", PROGRAM)
    driver.session.set_exception_breakpoints({"raised"})
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.reason == "exception"
    assert not stop.post_mortem
    assert driver.value("text") == "'nope'"
    driver.session.set_exception_breakpoints(set())
    assert driver.finish().exit_code == 1


def test_uncaught_exception_in_a_thread(driver):
    prog = driver.write(
        "prog.py",
        """
        import threading

        def boom(v):
            raise RuntimeError(f"bad {v}")  # thread raises

        t = threading.Thread(target=boom, args=(7,), name="bomber")
        t.start()
        t.join()
        print("main goes on")
        """,
    )
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.post_mortem
    assert "bad 7" in stop.text
    assert driver.session.stack()[0].line == driver.line_of(prog, "thread raises")
    assert driver.finish().exit_code == 0
    assert "main goes on" in driver.output()


def test_exit_code_and_launch_errors(driver, tmp_path):
    prog = driver.write("prog.py", "import sys\nprint('bye')\nsys.exit(3)\n")
    driver.launch(prog)
    assert driver.finish().exit_code == 3
    from dapper_tui.engine.launch import LaunchTarget

    driver.session.launch(LaunchTarget(program=str(tmp_path / "missing.py")))
    ev = driver.finish()
    assert ev.exit_code == 2
    assert "no such file" in (ev.error or "")


def test_raised_filter_turned_on_while_stopped_reaches_the_running_frame(driver):
    prog = driver.write(
        "prog.py",
        """
        def work():
            x = 1                           # stop
            try:
                int("nope")                 # raises here
            except ValueError:
                pass
            return x

        print("result", work())
        """,
    )
    driver.run_to(prog, "# stop")
    driver.session.set_breakpoints(str(prog), [])
    driver.session.set_exception_breakpoints({"raised"})
    driver.session.continue_()
    stop = driver.stopped()
    assert stop.reason == "exception"
    assert "nope" in stop.text
    assert driver.top() == ("work", driver.line_of(prog, "raises here"))
    driver.session.set_exception_breakpoints({"uncaught"})
    assert driver.finish().exit_code == 0
