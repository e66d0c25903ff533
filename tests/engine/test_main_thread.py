"""The engine runs the program on the interpreter's main thread when a front end serves it (MainThreadRunner):
the test's own main thread serves here, while the test body drives the session from another thread, as the
TUI and the DAP server do."""

from __future__ import annotations

import signal
import threading
from typing import Any

import pytest
from dapper_tui.engine.events import Exited

_REAL_GETSIGNAL = signal.getsignal

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="needs the main thread to serve"
)


def test_the_program_sees_itself_on_the_main_thread(driver: Any) -> None:
    d = driver
    prog = d.write(
        "main.py",
        """
        import threading
        print("main:", threading.current_thread() is threading.main_thread())
        print("name:", threading.current_thread().name)
        """,
    )
    d.main_thread()

    def body() -> None:
        d.launch(prog)
        d.finish()

    d.serve(body)
    assert "main: True" in d.output()
    assert "name: MainThread" in d.output()


def test_the_program_sees_pythons_own_sigint_handler_not_the_debuggers(driver: Any) -> None:
    d = driver
    prog = d.write(
        "sigint_view.py",
        """
        import signal
        print("default:", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        mine = lambda signum, frame: None
        previous = signal.signal(signal.SIGINT, mine)
        print("previous:", previous is signal.default_int_handler)
        print("mine:", signal.getsignal(signal.SIGINT) is mine)
        signal.signal(signal.SIGINT, previous)
        print("back:", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        """,
    )
    d.main_thread()

    def body() -> None:
        d.launch(prog)
        d.finish()

    d.serve(body)
    for line in ("default: True", "previous: True", "mine: True", "back: True"):
        assert line in d.output(), d.output()
    assert signal.getsignal is _REAL_GETSIGNAL  # the run's view is gone with it


def test_a_restart_starts_with_the_signal_handlers_a_fresh_process_has(driver: Any) -> None:
    d = driver
    prog = d.write(
        "handlers.py",
        """
        import signal
        print("default at start:", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        signal.signal(signal.SIGTERM, lambda signum, frame: None)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        x = 1  # end
        """,
    )
    d.main_thread()
    before = signal.getsignal(signal.SIGUSR1)

    def body() -> None:
        d.run_to(prog, "# end")
        d.session.restart()
        d.wait(Exited)  # the first run ends
        d.stopped()
        d.finish()

    d.serve(body)
    assert d.output().count("default at start: True") == 2
    assert signal.getsignal(signal.SIGUSR1) == before  # and the test process got its own handlers back


def test_sigint_pauses_a_running_program_and_never_reaches_it_as_keyboardinterrupt(driver: Any) -> None:
    d = driver
    prog = d.write(
        "spin.py",
        """
        import time
        n = 0
        while n >= 0:
            n += 1  # spin
            time.sleep(0.001)
        """,
    )
    d.main_thread()

    def body() -> None:
        d.launch(prog)
        d.running(prog)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        stop = d.stopped()
        assert stop.reason == "pause"
        assert d.top()[0] == "<module>"
        assert int(d.value("n")) > 0
        d.session.terminate()

    d.serve(body)
    assert "KeyboardInterrupt" not in "".join(getattr(e, "text", "") for e in d.seen)


def test_a_restart_starts_with_the_import_system_and_environment_of_a_fresh_process(driver: Any) -> None:
    d = driver
    prog = d.write(
        "finder.py",
        """
        import os, sys
        print("finders:", sum(type(f).__name__ == "Finder" for f in sys.meta_path))
        print("env:", os.environ.get("DAPPER_TEST_LEAK"))
        class Finder:
            def find_spec(self, name, path=None, target=None):
                return None
        sys.meta_path.insert(0, Finder())
        os.environ["DAPPER_TEST_LEAK"] = "leaked"
        """,
    )
    d.launch(prog)
    d.finish()
    d.session.restart()
    d.finish()
    assert d.output().count("finders: 0") == 2
    assert d.output().count("env: None") == 2
    assert "DAPPER_TEST_LEAK" not in __import__("os").environ
