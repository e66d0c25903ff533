"""A stop that would park a thread holding Python's global import lock (a breakpoint in a `sys.meta_path` finder, a
step into an `import` line) is carried on to the first line after the lock is released: while stopped, every other
thread (the front end's) can still import. A stop in a module's top-level code while it is imported is ordinary."""

from __future__ import annotations

import _imp
import importlib
import sys
import threading
import uuid
from collections.abc import Iterator

import pytest
from dapper_tui.engine.importlock import holds_import_lock
from dapper_tui.engine.session import DebugSession
from helpers import program, wait_until


@pytest.fixture(autouse=True)
def _meta_path_back() -> Iterator[None]:
    """The programs run in this process and put finders on sys.meta_path: later tests must not meet them."""
    saved = list(sys.meta_path)
    yield
    sys.meta_path[:] = saved


def _all_code(driver):
    driver.session = DebugSession(driver.events.put, just_my_code=False)
    return driver.session


def _can_import_within(seconds: float) -> bool:
    """The front end's view: can another thread import a module not loaded yet? (A missing one goes through the
    whole import system, the program's finders included, and needs the global import lock.)"""
    done = threading.Event()

    def lazy_import() -> None:
        try:
            importlib.import_module(f"never_loaded_{uuid.uuid4().hex}")
        except ImportError:
            done.set()

    threading.Thread(target=lazy_import, daemon=True).start()
    return done.wait(seconds)


def _answers_quickly(driver) -> None:
    """stack and threads answer (they never wait for the import lock the importer thread holds)."""
    answers: list[object] = []
    asking = threading.Thread(
        target=lambda: answers.extend([driver.session.stack(), driver.session.thread_list()])
    )
    asking.start()
    asking.join(10)
    assert not asking.is_alive(), "stack and threads hang"
    frames, threads = answers
    assert frames
    assert threads


def test_breakpoint_in_a_finder_stops_after_the_import(driver):
    session = _all_code(driver)
    prog = program(driver.tmp, "finder.py")
    helper = program(driver.tmp, "lazy_helper.py")
    stop = driver.run_to(prog, "finder line")
    assert _can_import_within(2.0)  # a front end that imports now (to draw, to quit) is not blocked
    assert "Breakpoint at finder.py:" in stop.description
    assert "skipped" in stop.description
    assert "import lock" in stop.description
    # the first line after the finder: the imported module's own top-level code
    frames = session.stack()
    assert (frames[0].name, frames[0].path, frames[0].line) == (
        "<module>",
        str(helper.resolve()),
        driver.line_of(helper, "helper first"),
    )
    assert not _imp.lock_held()
    _answers_quickly(driver)
    assert session.evaluate("__name__").value == "'lazy_helper'"
    assert driver.finish(clear=prog).exit_code == 0
    assert "done 42" in driver.output()


def test_step_into_an_import_line_stops_after_the_finder(driver):
    session = _all_code(driver)
    prog = program(driver.tmp, "finder.py")
    helper = program(driver.tmp, "lazy_helper.py")
    assert driver.run_to(prog, "import line").reason == "breakpoint"
    session.set_breakpoints(str(prog), [])
    session.step_in()  # the next line shown is the finder's, run while importlib holds its lock
    stop = driver.stopped()
    if driver.top()[0] == "Condition.__exit__":
        # 3.11, all code: a step in first stops in threading.py, in the debugger's own leaving of its park (a
        # stepping bug of its own, not the import lock's): step on from there
        session.step_in()
        stop = driver.stopped()
    assert stop.reason == "step"
    assert "import lock" in stop.description
    name, line = driver.top()
    assert (name, line) == ("<module>", driver.line_of(helper, "helper first"))
    assert _can_import_within(2.0)
    _answers_quickly(driver)
    session.step_over()  # stepping goes on from there as usual
    driver.stopped()
    assert driver.finish().exit_code == 0
    assert "done 42" in driver.output()


def test_breakpoint_in_module_top_level_during_its_import_is_an_ordinary_stop(driver):
    session = _all_code(driver)
    prog = program(driver.tmp, "finder.py")
    helper = program(driver.tmp, "lazy_helper.py")
    line = driver.line_of(helper, "helper first")
    session.set_breakpoints(str(helper), [line])
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.reason == "breakpoint"
    assert stop.description == f"Breakpoint at lazy_helper.py:{line}"
    assert driver.top() == ("<module>", line)
    assert _can_import_within(2.0)  # only the module's own lock is held: other imports go on
    assert driver.finish().exit_code == 0


THREADS = """
    import sys, threading, time

    started = threading.Event()

    class Finder:
        def find_spec(self, name, path, target=None):
            if name == "slow_helper":
                started.set()
                end = time.monotonic() + 1.0
                while time.monotonic() < end:    # finder loop
                    pass
            return None

    sys.meta_path.insert(0, Finder())

    def importer():
        import slow_helper                       # thread import

    t = threading.Thread(target=importer, name="importer")
    t.start()
    started.wait()
    print("main stops")                          # main stop
    t.join()
    print("all done")
    """


def test_other_threads_do_not_park_holding_the_import_lock(driver):
    session = _all_code(driver)
    prog = driver.write("prog.py", THREADS)
    driver.write("slow_helper.py", "X = 1\n")
    stop = driver.run_to(prog, "main stop")
    assert stop.reason == "breakpoint"
    assert "import lock" not in stop.description
    # the importer thread was in the finder's loop, holding the lock: it runs on until the lock is released
    assert _can_import_within(3.0)
    importer = next(t.id for t in session.thread_list() if t.name == "importer")
    wait_until(
        lambda: session.stack(importer)[0].name != "Finder.find_spec",
        3.0,
        "the importer parked in the finder",
    )
    _answers_quickly(driver)
    assert driver.finish(clear=prog).exit_code == 0
    assert "all done" in driver.output()


def test_holds_import_lock_tells_the_owner_only():
    seen: dict[str, bool] = {}
    inside, release = threading.Event(), threading.Event()

    class Finder:
        def find_spec(self, name, path, target=None):
            if name == "probe_only_module":
                seen["finder"] = holds_import_lock(sys._getframe())
                inside.set()
                release.wait(5)
            return None

    finder = Finder()
    sys.meta_path.insert(0, finder)
    try:
        t = threading.Thread(target=lambda: _imp_missing("probe_only_module"))
        t.start()
        assert inside.wait(5)
        seen["other thread, meanwhile"] = holds_import_lock(sys._getframe())
        seen["any thread"] = _imp.lock_held()
        release.set()
        t.join(5)
    finally:
        sys.meta_path.remove(finder)
    _imp.acquire_lock()  # a program may take it itself
    try:
        seen["taken explicitly"] = holds_import_lock(sys._getframe())
    finally:
        _imp.release_lock()
    seen["after"] = holds_import_lock(sys._getframe())
    assert seen == {
        "finder": True,
        "other thread, meanwhile": False,
        "any thread": True,
        "taken explicitly": True,
        "after": False,
    }


def _imp_missing(name: str) -> None:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
