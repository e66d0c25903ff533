"""Uncaught exceptions and the program's own excepthooks.

The engine stops post-mortem on an uncaught exception, and then the program's own hook runs, once, in the
failing thread, as plain Python would call it: `threading.excepthook` for a thread, `sys.excepthook` for the
main thread. A program that installs no hook gets the traceback shown once, and the hooks from before the session
are back once it closes.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from dapper_tui.engine.events import Output

HOOKS = """\
import sys
import threading

OUT = sys.argv[1]


def note(text):
    with open(OUT, "a") as f:
        f.write(text + "\\n")


def sys_hook(exc_type, exc, tb):
    note(f"sys {exc_type.__name__} {exc} {tb.tb_frame.f_code.co_name}")


def thread_hook(args):
    note(f"thread {args.exc_type.__name__} {args.exc_value} {args.thread.name} {args.exc_traceback is not None}")


sys.excepthook = sys_hook
threading.excepthook = thread_hook


def work():
    raise ValueError("in thread")      # thread raises


t = threading.Thread(target=work, name="worker")
t.start()
t.join()
note("joined")
{tail}
"""


def _stderr(driver) -> str:
    driver.output()  # collect what is queued
    return "".join(e.text for e in driver.seen if isinstance(e, Output) and e.category == "stderr")


def test_program_threading_excepthook_runs_once_after_the_post_mortem(driver, tmp_path: Path):
    out = tmp_path / "hooks.txt"
    prog = driver.write("prog.py", HOOKS.replace("{tail}", ""))
    driver.launch(prog, str(out))
    stop = driver.stopped()
    assert stop.post_mortem
    assert "ValueError" in stop.text
    assert driver.top() == ("work", driver.line_of(prog, "thread raises"))
    assert not out.exists(), "the program's hook runs after the post-mortem stop, not before"
    assert driver.finish().exit_code == 0
    assert out.read_text().splitlines() == ["thread ValueError in thread worker True", "joined"]


def test_program_sys_excepthook_runs_once_after_the_post_mortem(driver, tmp_path: Path):
    out = tmp_path / "hooks.txt"
    prog = driver.write("prog.py", HOOKS.replace("{tail}", 'raise KeyError("in main")      # main raises'))
    driver.launch(prog, str(out))
    driver.stopped()  # the thread's post-mortem
    driver.session.continue_()
    stop = driver.stopped()
    assert stop.post_mortem
    assert "KeyError" in stop.text
    assert driver.top() == ("<module>", driver.line_of(prog, "main raises"))
    assert out.read_text().splitlines() == ["thread ValueError in thread worker True", "joined"]
    assert driver.finish().exit_code == 1
    # the traceback handed over starts at the program's own frame, as in plain Python
    assert out.read_text().splitlines()[-1] == "sys KeyError 'in main' <module>"


def test_a_hook_that_chains_to_the_previous_one_does_not_show_the_traceback_twice(driver, tmp_path: Path):
    out = tmp_path / "hooks.txt"
    prog = driver.write(
        "prog.py",
        """\
        import sys
        import threading

        previous = threading.excepthook

        def hook(args):
            with open(sys.argv[1], "a") as f:
                f.write(f"hook {args.exc_value}\\n")
            previous(args)

        threading.excepthook = hook

        def work():
            raise LookupError("only once")

        t = threading.Thread(target=work)
        t.start()
        t.join()
        """,
    )
    driver.launch(prog, str(out))
    driver.stopped()
    assert driver.finish().exit_code == 0
    assert out.read_text() == "hook only once\n"
    assert _stderr(driver).count("LookupError: only once") == 1


def test_without_program_hooks_the_traceback_is_shown_once(driver):
    prog = driver.write(
        "prog.py",
        """\
        import threading

        def work():
            raise ArithmeticError("shown once")

        t = threading.Thread(target=work)
        t.start()
        t.join()
        print("main goes on")
        """,
    )
    driver.session.set_exception_breakpoints([])  # no stop: the program runs through
    driver.launch(prog)
    assert driver.finish().exit_code == 0
    assert "main goes on" in driver.output()
    assert _stderr(driver).count("ArithmeticError: shown once") == 1


def test_a_program_that_hands_an_exception_to_sys_excepthook_stops_post_mortem(driver):
    prog = driver.write(
        "prog.py",
        """\
        import sys

        def fail():
            raise OSError("handed over")       # raises

        try:
            fail()
        except OSError:
            sys.excepthook(*sys.exc_info())
        print("carried on")
        """,
    )
    driver.launch(prog)
    stop = driver.stopped()
    assert stop.post_mortem
    assert "OSError" in stop.text
    assert driver.top() == ("fail", driver.line_of(prog, "# raises"))
    assert driver.finish().exit_code == 0
    assert "carried on" in driver.output()


def test_the_hooks_from_before_are_back_after_close(driver, tmp_path: Path):
    before = (sys.excepthook, threading.excepthook)
    out = tmp_path / "hooks.txt"
    prog = driver.write("prog.py", HOOKS.replace("{tail}", ""))
    driver.launch(prog, str(out))
    driver.stopped()
    assert driver.finish().exit_code == 0
    driver.session.close()
    assert (sys.excepthook, threading.excepthook) == before
