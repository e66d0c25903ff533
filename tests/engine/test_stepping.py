"""Stepping across modules, pause, breakpoint(), threads stopping together."""

import time

from helpers import wait_until

PROGRAM = """
    import helper

    def work(n):
        total = 0                       # first line
        for i in range(n):
            total += helper.double(i)   # call line
        return total                    # return line

    def main():
        r = work(2)                     # main call
        print("result", r)              # after work

    main()
    """
HELPER = """
    def double(x):
        y = x * 2                       # helper first
        return y                        # helper return
    """


def _setup(driver, marker="call line"):
    prog = driver.write("prog.py", PROGRAM)
    helper = driver.write("helper.py", HELPER)
    driver.run_to(prog, marker)
    driver.session.set_breakpoints(str(prog), [])
    return prog, helper


def test_step_in_across_modules_and_out(driver):
    prog, helper = _setup(driver)
    driver.session.step_in()
    assert driver.stopped().reason == "step"
    assert driver.top() == ("double", driver.line_of(helper, "helper first"))
    driver.session.step_over()
    driver.stopped()
    assert driver.top() == ("double", driver.line_of(helper, "helper return"))
    driver.session.step_out()
    driver.stopped()
    name, line = driver.top()
    assert name == "work"
    assert line in (driver.line_of(prog, "call line"), driver.line_of(prog, "for i"))


def test_step_over_does_not_enter_calls(driver):
    prog, _ = _setup(driver)
    driver.session.step_over()
    driver.stopped()
    assert driver.top() == ("work", driver.line_of(prog, "for i"))
    assert driver.value("total") == "0"
    driver.session.step_over()
    driver.stopped()
    assert driver.top() == ("work", driver.line_of(prog, "call line"))
    driver.session.step_over()
    driver.stopped()
    driver.session.step_over()
    driver.stopped()
    assert driver.top() == ("work", driver.line_of(prog, "return line"))
    driver.session.step_over()  # returns to main
    driver.stopped()
    assert driver.top()[0] == "main"
    assert driver.finish().exit_code == 0


def test_step_out_of_a_function_into_its_caller(driver):
    prog, _ = _setup(driver, "first line")
    driver.session.step_out()
    driver.stopped()
    name, line = driver.top()
    assert name == "main"
    assert line in (driver.line_of(prog, "main call"), driver.line_of(prog, "after work"))
    assert driver.finish().exit_code == 0
    assert "result 2" in driver.output()


def test_breakpoint_builtin_stops_like_pdb(driver):
    prog = driver.write(
        "prog.py",
        """
        x = 41
        breakpoint()
        x += 1                          # after
        print("x is", x)
        """,
    )
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.reason == "breakpoint()"
    assert driver.value("x") == "41"
    driver.session.step_over()
    driver.stopped()
    assert driver.top()[1] == driver.line_of(prog, "after")
    assert driver.finish().exit_code == 0
    assert "x is 42" in driver.output()


def test_pause_a_running_program(driver):
    prog = driver.write(
        "prog.py",
        """
        import time
        count = 0
        while count < 10_000_000:
            count += 1
            if count % 1000 == 0:
                time.sleep(0.001)
        """,
    )
    driver.launch(prog)
    driver.running(prog)
    driver.session.pause()
    stop = driver.stopped()
    assert stop.reason == "pause"
    assert driver.top()[0] == "<module>"
    before = int(driver.value("count"))
    time.sleep(0.2)  # a window to see it count, were it running
    assert int(driver.value("count")) == before  # really stopped
    driver.session.evaluate("count = 10_000_000")
    assert driver.finish().exit_code == 0


def test_all_threads_stop_together_and_are_listed_by_name(driver):
    prog = driver.write(
        "prog.py",
        """
        import threading, time
        ticks = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.005)

        t = threading.Thread(target=ticker, name="ticker")
        t.start()
        while len(ticks) < 3:           # the ticker runs
            time.sleep(0.005)
        marker = len(ticks)             # stop here
        stop.set()
        t.join()
        """,
    )
    stop = driver.run_to(prog, "stop here")
    assert stop.all_threads_stopped
    names = {t.name: t for t in driver.session.thread_list()}
    assert "ticker" in names
    assert names["ticker"].stopped
    # the ticker, in its sleep at the stop, parks when the sleep returns
    parked = driver.session.parking.stops
    wait_until(lambda: names["ticker"].id in parked, what="the ticker thread never parked")
    n1 = int(driver.value("len(ticks)"))
    time.sleep(0.2)  # a window to see it tick, were it running
    assert int(driver.value("len(ticks)")) == n1, "the ticker thread kept running while stopped"
    ticker_stack = driver.session.stack(names["ticker"].id)
    assert ticker_stack
    assert ticker_stack[0].name == "ticker"
    assert driver.finish().exit_code == 0


def test_breakpoint_in_a_thread(driver):
    prog = driver.write(
        "prog.py",
        """
        import threading
        out = []

        def worker(n):
            out.append(n * 10)          # in thread

        ts = [threading.Thread(target=worker, args=(i,), name=f"w{i}") for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print(sorted(out))
        """,
    )
    stop = driver.run_to(prog, "in thread")
    assert {t.id: t.name for t in driver.session.thread_list()}[stop.thread_id].startswith("w")
    assert driver.finish().exit_code == 0
    assert "[0, 10]" in driver.output()


def test_step_out_stops_in_the_caller_even_on_its_last_line(driver):
    prog = driver.write(
        "prog.py",
        """
        def f(x):
            y = x + 1                       # inside
            return y

        print("got", f(20))
        """,
    )
    driver.run_to(prog, "inside")
    driver.session.step_out()
    stop = driver.stopped()
    assert stop.reason == "step"
    assert driver.top() == ("<module>", driver.line_of(prog, "print("))
    assert driver.finish().exit_code == 0
    assert "got 21" in driver.output()


def test_terminate_and_restart_while_stopped(driver):
    from dapper_tui.engine.events import Exited, ThreadEvent

    prog = driver.write(
        "prog.py",
        """
        import threading
        t = threading.Thread(target=lambda: None, name="helper")
        t.start()
        t.join()
        x = 1                               # stop
        print("done", x)
        """,
    )
    driver.run_to(prog, "# stop")
    assert any(
        isinstance(e, ThreadEvent) and e.name == "helper" and e.reason == "exited" for e in driver.seen
    )
    driver.session.restart()
    driver.output()  # collect what was posted so far
    exits = [e for e in driver.seen if isinstance(e, Exited)]
    assert len(exits) == 1
    assert exits[0].exit_code == 1
    driver.stopped()  # the new run stops at the breakpoint again
    assert driver.value("t.name") == "'helper'"
    driver.session.terminate()
    assert driver.wait(Exited).exit_code == 1
    assert "done" not in driver.output()
