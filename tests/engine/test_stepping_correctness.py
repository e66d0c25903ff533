"""Stepping and breakpoint correctness on real programs: entry stops survive restarts, a
run-to-line never outlives its run, conditions on generator-expression lines, function breakpoints once per
call, and threads blocked in C calls show their frames after a pause."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.events import Exited, Output, Stopped
from helpers import wait_until
from sessiondriver import stack_of

SHORT = """
    def main():
        a = 1
        b = a + 1                       # second
        return b

    main()
    print("ran")                        # last line
    """


def _stops_until_exit(d: Any, act: Callable[[Stopped], None] | None = None) -> list[tuple[str, str, int]]:
    """Continue (or `act`) at each stop until the program exits; the stops as (reason, function, line)."""
    seen = []
    while True:
        ev = d.wait((Stopped, Exited))
        if isinstance(ev, Exited):
            return seen
        top = d.session.stack()[0]
        seen.append((ev.reason, top.name, top.line))
        if act is None:
            d.session.continue_()
        else:
            act(ev)


# -- 1. restart after stepping off the end keeps the entry stop ------------------------------------------------
@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="serves the main thread"
)
def test_step_over_off_the_end_then_every_restart_stops_at_entry(driver: Any) -> None:
    d = driver
    prog = d.write("short.py", SHORT)

    def body() -> None:
        d.launch(prog, stop_on_entry=True)
        assert d.stopped().reason == "entry"
        steps = 0
        while True:  # F10 until the program ends: never a stop below the program (the front end's frames)
            d.session.step_over()
            ev = d.wait((Stopped, Exited))
            if isinstance(ev, Exited):
                break
            assert d.session.stack()[0].path == str(prog), d.session.stack()
            steps += 1
            assert steps < 20
        for _ in range(3):
            d.session.restart(stop_on_entry=True)
            stop = d.stopped()
            assert stop.reason == "entry"
            assert d.top() == ("<module>", d.line_of(prog, "def main"))
            d.session.continue_()
            assert isinstance(d.wait((Stopped, Exited)), Exited)

    d.main_thread()
    d.serve(body)
    assert d.output().count("ran") == 4


def test_entry_stop_survives_restarts_on_a_reused_thread_ident(driver: Any) -> None:
    """With the "raised" filter on, every run traces its thread to the end; the next run's thread often gets the
    same ident, and must still stop at entry."""
    d = driver
    prog = d.write("short.py", SHORT)
    d.session.set_exception_breakpoints(["raised", "uncaught"])
    d.launch(prog, stop_on_entry=True)
    for _ in range(10):
        assert d.stopped().reason == "entry"
        d.session.continue_()
        assert isinstance(d.wait((Stopped, Exited)), Exited)
        d.session.restart(stop_on_entry=True)
    assert d.stopped().reason == "entry"
    assert d.finish().exit_code == 0


# -- 2. run to line -------------------------------------------------------------------------------------------
BRANCHY = """
    import sys

    def rare():
        return "rare"                   # rare line

    n = 0
    for i in range(3):
        n += i                          # loop line
    if len(sys.argv) > 5:
        rare()
    print("end", n)                     # end line
    """


SLOW = """
    import os, time

    first_run = not os.path.exists(__file__ + ".ran")
    open(__file__ + ".ran", "w").close()
    while first_run:                    # the first run waits here until the restart ends it
        time.sleep(0.02)
    raise SystemExit(3)                 # target line
    """


def test_run_to_line_never_reached_before_a_restart_does_not_stop_the_next_run(driver: Any) -> None:
    d = driver
    prog = d.write("slow.py", SLOW)
    d.launch(prog, stop_on_entry=True)
    assert d.stopped().reason == "entry"
    d.session.run_to_line(str(prog), d.line_of(prog, "target line"))
    wait_until(Path(f"{prog}.ran").exists, what="the first run never started")
    d.session.restart()  # the first run never gets there
    stops = []
    while True:  # until the new run has run the target line (its exit code says so)
        ev = d.wait((Stopped, Exited))
        if isinstance(ev, Exited):
            if ev.exit_code == 3:
                break
            continue  # the first run, ended by the restart
        stops.append(d.top())
        d.session.continue_()
    assert stops == []
    assert d.session.breakpoint_list() == []


def test_run_to_line_ends_when_the_program_stops_elsewhere_first(driver: Any) -> None:
    d = driver
    prog = d.write("branchy.py", BRANCHY)
    loop = d.line_of(prog, "loop line")
    d.session.set_breakpoints(str(prog), [loop])
    d.launch(prog)
    assert d.stopped().reason == "breakpoint"
    d.session.run_to_line(str(prog), d.line_of(prog, "end line"))
    assert d.stopped().reason == "breakpoint"  # the user's breakpoint comes first: the run-to-line is over
    d.session.set_breakpoints(str(prog), [])
    d.session.continue_()
    assert _stops_until_exit(d) == []  # the end line does not stop later
    d.session.restart()
    assert _stops_until_exit(d) == []


def test_run_to_line_stops_there_once(driver: Any) -> None:
    d = driver
    prog = d.write("branchy.py", BRANCHY)
    d.launch(prog, stop_on_entry=True)
    d.stopped()
    d.session.run_to_line(str(prog), d.line_of(prog, "loop line"))
    stop = d.stopped()
    assert stop.reason == "breakpoint"
    assert d.top() == ("<module>", d.line_of(prog, "loop line"))
    assert d.value("i") == "0"
    d.session.continue_()
    assert _stops_until_exit(d) == []  # the other iterations run on


def test_run_to_line_needs_a_program(driver: Any) -> None:
    d = driver
    prog = d.write("branchy.py", BRANCHY)
    with pytest.raises(RuntimeError, match="idle"):
        d.session.run_to_line(str(prog), 3)
    assert d.session.breakpoints.by_path == {}


# -- 3. a condition on a line with a generator expression ----------------------------------------------------
GENEXPR = """
    def work(items):
        total = sum(x for x in items)   # the line
        evens = sum(
            x * 2                       # inside
            for x in items
        )
        return total + evens

    for size in (2, 3, 4):
        work(list(range(size)))
    """


def test_condition_on_a_genexpr_line_is_evaluated_in_the_function(driver: Any) -> None:
    d = driver
    prog = d.write("genexpr.py", GENEXPR)
    line = d.line_of(prog, "the line")
    d.session.set_breakpoints(str(prog), [BreakpointSpec(line, condition="len(items) > 2")])
    d.launch(prog)
    sizes = []

    def act(stop: Stopped) -> None:
        sizes.append(d.value("len(items)"))
        d.session.continue_()

    assert _stops_until_exit(d, act) == [("breakpoint", "work", line)] * 2
    assert sizes == ["3", "4"]
    console = "".join(e.text for e in d.seen if isinstance(e, Output) and e.category == "console")
    assert "failed" not in console


def test_a_genexpr_line_hits_once_per_execution(driver: Any) -> None:
    d = driver
    prog = d.write("genexpr.py", GENEXPR)
    line = d.line_of(prog, "the line")
    d.session.set_breakpoints(str(prog), [BreakpointSpec(line, hit_condition=">=1")])
    d.launch(prog)
    assert _stops_until_exit(d) == [("breakpoint", "work", line)] * 3
    bp = d.session.breakpoint_list()[0]
    assert bp.hits == 3


def test_a_line_only_inside_a_multiline_genexpr_still_stops_in_it(driver: Any) -> None:
    d = driver
    prog = d.write("genexpr.py", GENEXPR)
    inside = d.line_of(prog, "# inside")
    d.session.set_breakpoints(str(prog), [BreakpointSpec(inside, condition="x == 1")])
    d.launch(prog)
    stops = _stops_until_exit(d)
    assert [(r, line) for r, _, line in stops] == [("breakpoint", inside)] * 3
    assert all(name.endswith("<genexpr>") for _, name, _ in stops)


# -- 4. a function breakpoint fires once per call ------------------------------------------------------------
FUNCS = """
    import functools

    def deco(f):
        @functools.wraps(f)
        def wrapper(*a, **k):
            return f(*a, **k)
        return wrapper

    def bubble(text):

        lines = [line.strip() for line in text.split("\\n")]   # bubble first
        return lines

    def documented(x):
        \"\"\"A docstring first.\"\"\"
        return x + 1                                          # documented first

    @deco
    def decorated(x):
        return (x +
                1)                                            # decorated end

    def counter(n):
        yield from range(n)                                   # counter first

    def caller():
        a = bubble("x\\ny")                                    # call bubble
        b = documented(1)                                     # call documented
        c = decorated(2)                                      # call decorated
        d = list(counter(2))                                  # call counter
        return a, b, c, d

    caller()
    caller()
    """


@pytest.mark.parametrize("key", ["step_over", "step_in", "continue_"])
def test_a_function_breakpoint_stops_once_per_call(driver: Any, key: str) -> None:
    d = driver
    prog = d.write("funcs.py", FUNCS)
    d.session.set_function_breakpoints(["bubble", "documented", "decorated", "counter"])
    calls = [d.line_of(prog, f"# call {name}") for name in ("bubble", "documented", "decorated", "counter")]
    d.session.set_breakpoints(str(prog), calls)
    d.launch(prog)
    seen: list[tuple[str, str]] = []

    def act(stop: Stopped) -> None:
        seen.append((stop.reason, d.top()[0]))
        if stop.reason == "breakpoint":  # on a call line: F10 over it, F11 into it, or F5
            getattr(d.session, key)()
        else:
            d.session.continue_()

    _stops_until_exit(d, act)
    functions = [name for reason, name in seen if reason == "function breakpoint"]
    if key == "step_in":  # the step stops first, in the function: its breakpoint does not stop again
        assert [name for reason, name in seen if reason == "step"] == [
            "bubble",
            "documented",
            "deco.<locals>.wrapper",
            "counter",
        ] * 2
        assert (
            functions == ["decorated"] * 2
        )  # stepping into the decorator's wrapper, then on into the function
    else:
        assert functions == ["bubble", "documented", "decorated", "counter"] * 2


# -- 5. threads in C calls show their frames after a pause --------------------------------------------------
THREADS = """
    import queue, threading, time

    q = queue.Queue()
    lock = threading.Lock()
    lock.acquire()

    def sleeper():
        time.sleep(60)          # sleeper line

    def getter():
        q.get()                 # getter line

    def locker():
        lock.acquire()          # locker line

    workers = [threading.Thread(target=f, name=f.__name__, daemon=True) for f in (sleeper, getter, locker)]
    for t in workers:
        t.start()
    n = 0
    while True:
        n += 1                  # main loop
        time.sleep(0.01)
    """


def _on_line(program: Path, thread_name: str, line: int) -> bool:
    """The thread named `thread_name` has reached `line` of `program` (the program runs in this process)."""
    return any(
        Path(frame.f_code.co_filename).resolve() == program.resolve() and frame.f_lineno == line
        for thread in threading.enumerate()
        if thread.name == thread_name
        for frame in stack_of(thread.ident)
    )


def test_threads_blocked_in_c_calls_show_their_frames_after_a_pause(driver: Any) -> None:
    d = driver
    prog = d.write("threads.py", THREADS)
    d.launch(prog)
    wait_until(lambda: len(d.session.thread_list()) >= 4, what=d.session.thread_list)
    for name in ("sleeper", "getter", "locker"):  # the workers reach their blocking calls
        wait_until(lambda name=name: _on_line(prog, name, d.line_of(prog, f"{name} line")), what=name)
    d.session.pause()
    assert d.stopped().reason == "pause"
    threads = {t.name: t for t in d.session.thread_list()}
    for name in ("sleeper", "getter", "locker"):
        assert threads[name].stopped, threads
        frames = d.session.stack(threads[name].id)
        assert [(f.name, f.line) for f in frames] == [(name, d.line_of(prog, f"{name} line"))]
        scopes = d.session.scopes(frames[0].id)  # their variables can be read
        assert scopes
    getter = d.session.stack(threads["getter"].id)[0]
    with pytest.raises(RuntimeError, match="blocked in a call"):
        d.session.evaluate("1 + 1", getter.id)
    assert d.value("n + 0") == d.value("n")  # the stopped thread still evaluates
    d.session.terminate()
