"""A continue that arrives while a reload is being applied waits for it: the program never runs half-patched."""

from __future__ import annotations

import threading

from helpers import wait_until

PROGRAM = """
    import slow

    print("before", slow.price())  # stop
    print("after", slow.price())
    """
SLOW = """
    def price():
        return "old"
    """
HELD = """
    import pathlib
    import time

    here = pathlib.Path(__file__).parent
    (here / "reloading").touch()
    for _ in range(1000):  # until the test lets the reload go on (10 s at most)
        if (here / "release").exists():
            break
        time.sleep(0.01)


    def price():
        return "new"
    """


def test_continue_during_a_reload_waits_for_it(driver) -> None:
    prog = driver.write("prog.py", PROGRAM)
    slow = driver.write("slow.py", SLOW)
    driver.run_to(prog, "# stop")
    # The edit adds a top-level statement (run by the reload) that holds the reload until the test lets it go,
    # and changes price().
    driver.write("slow.py", HELD)
    results: list[object] = []
    reloading = threading.Thread(target=lambda: results.append(driver.session.reload(str(slow))))
    reloading.start()
    wait_until((driver.tmp / "reloading").exists, what="the reload never ran the module's statements")
    continuing = threading.Thread(target=driver.session.continue_)  # an F5 pressed right after the save
    continuing.start()
    continuing.join(0.5)
    assert continuing.is_alive(), "continue did not wait for the reload"
    (driver.tmp / "release").touch()
    continuing.join(10)
    reloading.join(10)
    assert results, "the reload never returned"
    assert results[0].ok, getattr(results[0], "error", None)
    exited = driver.finish()
    assert exited.exit_code == 0
    out = driver.output()
    assert "before new" in out, out
    assert "after new" in out, out  # the first call after the continue is new code
