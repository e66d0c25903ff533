"""The tracing backends (3.11: bytecode hooks; 3.12+: sys.monitoring) on the cases that are hard for them.

Breakpoints set while the program runs: in a function defined before, in a function that is recursing right now,
in a module imported later; conditions and hit counts through the hooks; the original code put back when the
breakpoint goes; no global trace function left behind once the program runs on.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest
from dapper_tui.engine.breakpoints import BreakpointSpec, executable_lines
from dapper_tui.engine.events import InputRequested, Output
from dapper_tui.engine.tracing._codes import COMPREHENSIONS, own_lines

BYTECODE = sys.version_info < (3, 12)


def test_the_backend_fits_the_version(driver):
    name = type(driver.session.backend).__name__
    assert name == ("BytecodeBackend" if BYTECODE else "MonitoringBackend")


def test_breakpoint_in_a_function_defined_before_it_was_set(driver):
    prog = driver.write(
        "prog.py",
        """\
        import sys

        def work(n):
            total = n * 2       # bp
            return total

        input("go? ")
        results = [work(i) for i in range(3)]
        print("trace", sys.gettrace())
        input("done? ")
        """,
    )
    driver.launch(prog)
    driver.wait(InputRequested)
    work = sys.modules["__main__"].work
    original = work.__code__
    driver.session.set_breakpoints(str(prog), [driver.line_of(prog, "# bp")])
    if BYTECODE:
        assert work.__code__ is not original, "the live function got the patched code"
    driver.session.send_input("y")
    driver.stopped()
    assert driver.top() == ("work", driver.line_of(prog, "# bp"))
    assert driver.value("n") == "0"
    for n in ("1", "2"):
        driver.session.continue_()
        driver.stopped()
        assert driver.value("n") == n
    driver.session.continue_()
    driver.wait(InputRequested)
    assert "trace None" in driver.output(), "no trace function is left on once the program runs on"
    driver.session.set_breakpoints(str(prog), [])
    assert work.__code__ is original, "removing the breakpoint put the original code back"
    driver.session.send_input("y")
    assert driver.finish().exit_code == 0


def test_breakpoint_in_a_module_imported_after_it_was_set(driver):
    prog = driver.write(
        "prog.py",
        """\
        import later
        print(later.twice(21))
        """,
    )
    later = driver.write(
        "later.py",
        """\
        SCALE = 2             # module line

        def twice(x):
            return x * SCALE  # in function
        """,
    )
    driver.session.set_breakpoints(
        str(later), [driver.line_of(later, "module line"), driver.line_of(later, "in function")]
    )
    driver.launch(prog)
    driver.stopped()
    assert driver.top() == ("<module>", 1)
    driver.session.continue_()
    driver.stopped()
    assert driver.top() == ("twice", driver.line_of(later, "in function"))
    assert driver.value("x") == "21"
    assert driver.finish().exit_code == 0
    assert "42" in driver.output()


def test_condition_and_hit_count_through_the_hooks(driver):
    prog = driver.write(
        "prog.py",
        """\
        def step(i):
            return i * i          # bp

        for i in range(10):
            step(i)
        """,
    )
    line = driver.line_of(prog, "# bp")
    driver.session.set_breakpoints(
        str(prog), [BreakpointSpec(line, condition="i % 2 == 1", hit_condition="2")]
    )
    driver.launch(prog)
    driver.stopped()
    assert driver.value("i") == "3"  # odd values 1, 3: the second one
    assert driver.finish().exit_code == 0


def test_breakpoint_set_while_the_function_is_recursing(driver):
    prog = driver.write(
        "prog.py",
        """\
        def down(n):
            if n == 0:
                input("bottom? ")
                return 0
            r = down(n - 1)
            return r + 1          # bp

        print("depth", down(4))
        print("again", down(1))
        """,
    )
    driver.launch(prog)
    driver.wait(InputRequested)
    line = driver.line_of(prog, "# bp")
    driver.session.set_breakpoints(str(prog), [line])
    driver.session.send_input("")
    seen = []
    for _ in range(4):  # the frames that were already running the old code
        driver.stopped()
        assert driver.top() == ("down", line)
        seen.append(driver.value("n"))
        driver.session.continue_()
    assert seen == ["1", "2", "3", "4"]
    driver.wait(InputRequested)
    driver.session.send_input("")
    driver.stopped()  # a new call runs the patched code
    assert driver.value("n") == "1"
    assert driver.finish(clear=prog).exit_code == 0
    assert "depth 4" in driver.output()
    assert "again 1" in driver.output()


def test_step_over_from_a_hooked_line_and_run_on_without_tracing(driver):
    prog = driver.write(
        "prog.py",
        """\
        import sys

        def f(x):
            y = x + 1             # bp
            z = y * 2             # next
            return z

        f(1)
        print("trace", sys.gettrace())
        """,
    )
    driver.run_to(prog, "# bp")
    driver.session.step_over()
    driver.stopped()
    assert driver.top() == ("f", driver.line_of(prog, "# next"))
    assert driver.value("y") == "2"
    driver.session.continue_()
    assert driver.finish().exit_code == 0
    assert "trace None" in driver.output()


@pytest.mark.skipif(not BYTECODE, reason="bytecode hooks are the 3.11 backend")
def test_hooks_keep_closures_generators_and_try_blocks_working(driver):
    prog = driver.write(
        "prog.py",
        """\
        def outer(k):
            def inner(v):
                return v + k      # in closure
            return inner

        def gen(n):
            for i in range(n):
                try:
                    yield i       # in generator
                except ValueError:
                    pass

        print("sum", outer(1)(2) + sum(gen(3)))
        """,
    )
    driver.session.set_breakpoints(
        str(prog), [driver.line_of(prog, "in closure"), driver.line_of(prog, "in generator")]
    )
    driver.launch(prog)
    driver.stopped()
    assert driver.top() == ("outer.<locals>.inner", driver.line_of(prog, "in closure"))
    hits = 0
    driver.session.continue_()
    while True:
        ev = driver.wait(object)
        if type(ev).__name__ == "Exited":
            break
        if type(ev).__name__ == "Stopped":
            assert driver.top() == ("gen", driver.line_of(prog, "in generator"))
            hits += 1
            driver.session.continue_()
    assert hits == 3
    assert "sum 6" in driver.output()


def test_function_breakpoint_set_while_running(driver):
    prog = driver.write(
        "prog.py",
        """\
        def greet(name):
            text = "hi " + name   # first line
            return text

        greet("a")
        input("go? ")
        print(greet("b"))
        """,
    )
    driver.launch(prog)
    driver.wait(InputRequested)
    [bp] = driver.session.set_function_breakpoints(["greet"])
    assert bp.verified
    driver.session.send_input("")
    stop = driver.stopped()
    assert stop.reason == "function breakpoint"
    assert driver.top() == ("greet", driver.line_of(prog, "# first line"))
    assert driver.value("name") == "'b'"
    driver.session.set_function_breakpoints([])
    assert driver.finish().exit_code == 0
    assert "hi b" in driver.output()


def test_raised_filter_costs_nothing_once_off(driver):
    prog = driver.write(
        "prog.py",
        """\
        import sys

        def fail():
            raise KeyError("k")   # raises

        try:
            fail()
        except KeyError:
            pass
        input("off? ")
        print("trace", sys.gettrace())
        """,
    )
    driver.session.set_exception_breakpoints(["raised"])
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.reason == "exception"
    assert driver.top() == ("fail", driver.line_of(prog, "# raises"))
    driver.session.continue_()
    driver.wait(InputRequested)
    driver.session.set_exception_breakpoints(["uncaught"])
    driver.session.send_input("")
    assert driver.finish().exit_code == 0
    assert "trace None" in driver.output()


def test_only_the_stepping_thread_is_traced(driver):
    prog = driver.write(
        "prog.py",
        """\
        import sys, threading, time

        phase = "start"
        seen = []
        done = False

        def worker():
            while not done:
                if phase == "step":
                    seen.append(sys.gettrace() is None)
                time.sleep(0.005)

        def until_the_worker_ran():
            deadline = time.monotonic() + 10
            while len(seen) < 4 and time.monotonic() < deadline:
                time.sleep(0.005)

        t = threading.Thread(target=worker, name="w")
        t.start()
        phase = "step"            # bp
        until_the_worker_ran()    # slow
        phase = "after"           # next
        done = True
        t.join()
        """,
    )
    driver.run_to(prog, "# bp")
    driver.session.step_over()
    driver.stopped()
    assert driver.top()[1] == driver.line_of(prog, "# slow")
    driver.session.step_over()
    driver.stopped()
    assert driver.top()[1] == driver.line_of(prog, "# next")
    assert driver.value("len(seen) > 3") == "True"
    assert driver.value("all(seen)") == "True", "the other thread ran without a trace function"
    assert driver.finish().exit_code == 0


def test_breakpoint_keeps_hitting_after_a_reload_that_moves_no_line(driver, pricing_program):
    prog, pricing = pricing_program
    body = driver.line_of(pricing, "# body")
    driver.session.set_breakpoints(str(pricing), [body])
    driver.launch(prog)
    driver.stopped()
    assert driver.value("n") == "0"
    pricing.write_text(pricing.read_text().replace("n * 10", "n * 100"))
    result = driver.session.reload(str(pricing))
    assert result.ok, result.error
    driver.session.continue_()
    driver.stopped()  # the same line, in the reloaded code
    assert driver.top() == ("price", body)
    assert driver.value("n") == "1"
    assert driver.finish(clear=pricing).exit_code == 0
    assert "price 100" in driver.output()
    assert "price 200" in driver.output()


FIDELITY = """\
import contextlib
import sys


class Box:
    def __init__(self, v):
        self.v = v

    @property
    def double(self):
        return self.v * 2


@contextlib.contextmanager
def ctx(tag):
    yield tag


def gen(n):
    for i in range(n):
        if i % 2:
            yield i
        else:
            continue


def kw(a, *, b=1, **rest):
    return a + b + len(rest)


def risky(x):
    try:
        if x > 1:
            raise ValueError(x)
        return x
    except ValueError as e:
        return -int(str(e))
    finally:
        pass


def main():
    total = 0
    with ctx("t") as t:
        total += len(t)
    total += sum(gen(5))
    total += kw(1,
                b=2,
                c=3)
    squares = [i * i for i in range(4) if i]
    total += sum(squares)
    while total < 40:
        total += 7
    total += risky(1) + risky(3)
    total += Box(3).double
    lam = lambda y: y + 1  # noqa: E731
    total += lam(1)
    match total:
        case 0:
            total = -1
        case _:
            total += 1
    print("total", total)


main()
"""


def _settrace_lines(path: str) -> list[int]:
    """The 'line' events a plain settrace tracer sees in this file (the reference for where hooks fire), but
    for a comprehension's lines that are also lines of the frame that runs it: those stop there, once."""
    lines: list[int] = []

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != path:
            return None
        shared = frame.f_code.co_name in COMPREHENSIONS and frame.f_lineno in own_lines(frame.f_back.f_code)
        if event == "line" and not shared:
            lines.append(frame.f_lineno)
        return tracer

    code = compile(Path(path).read_text(), path, "exec")
    out = io.StringIO()
    sys.settrace(tracer)
    try:
        with contextlib.redirect_stdout(out):
            exec(code, {"__name__": "__main__"})
    finally:
        sys.settrace(None)
    return lines


def test_a_log_point_on_every_line_fires_like_line_events(driver):
    prog = driver.write("prog.py", FIDELITY)
    lines = sorted(executable_lines(str(prog)))
    driver.session.set_breakpoints(str(prog), [BreakpointSpec(n, log_message=f"@{n}") for n in lines])
    driver.launch(prog)
    assert driver.finish().exit_code == 0
    assert "total 51" in driver.output()
    logged = [
        int(e.text.strip()[1:])
        for e in driver.seen
        if isinstance(e, Output) and e.category == "console" and e.text.startswith("@")
    ]
    expected = _settrace_lines(str(prog))
    if BYTECODE:
        assert logged == expected
    else:
        assert set(logged) == set(expected)


def test_breakpoint_in_a_suspended_generator_and_coroutine(driver):
    prog = driver.write(
        "prog.py",
        """\
        import asyncio

        out = []

        def pump():
            while True:
                item = yield
                out.append(item * 2)      # in generator

        async def worker(q):
            while True:
                item = await q.get()
                out.append(item + 100)    # in coroutine
                if item == 1:
                    return

        async def main():
            q = asyncio.Queue()
            task = asyncio.create_task(worker(q))
            await asyncio.sleep(0)
            g = pump()
            next(g)
            input("go? ")
            g.send(5)
            for i in range(2):
                q.put_nowait(i)
            await task
            print("out", out)

        asyncio.run(main())
        """,
    )
    driver.launch(prog)
    driver.wait(InputRequested)
    gen_line = driver.line_of(prog, "# in generator")
    coro_line = driver.line_of(prog, "# in coroutine")
    driver.session.set_breakpoints(str(prog), [gen_line, coro_line])
    driver.session.send_input("")
    driver.stopped()
    assert driver.top() == ("pump", gen_line)
    assert driver.value("item") == "5"
    driver.session.continue_()
    driver.stopped()
    assert driver.top() == ("worker", coro_line)
    assert driver.value("item") == "0"
    assert driver.finish(clear=prog).exit_code == 0
    assert "out [10, 100, 101]" in driver.output()
