"""A continue that arrives while a reload is being applied waits for it: the program never runs half-patched."""

from __future__ import annotations

import threading
import time
from pathlib import Path

PROGRAM = """
    import slow

    print("before", slow.price())  # stop
    print("after", slow.price())
    """
SLOW = """
    def price():
        return "old"
    """


def test_continue_during_a_reload_waits_for_it(driver) -> None:
    prog = driver.write("prog.py", PROGRAM)
    slow = driver.write("slow.py", SLOW)
    stop = driver.line_of(prog, "# stop")
    driver.session.set_breakpoints(str(prog), [stop])
    driver.launch(prog)
    driver.stopped()
    # The edit adds a slow top-level statement (run by the reload) and changes price().
    Path(slow).write_text('import time\ntime.sleep(0.6)\n\n\ndef price():\n    return "new"\n')
    results: list[object] = []
    reloading = threading.Thread(target=lambda: results.append(driver.session.reload(str(slow))))
    reloading.start()
    time.sleep(0.2)  # the reload is inside its slow statement now
    started = time.monotonic()
    driver.session.continue_()  # an F5 pressed right after the save
    waited = time.monotonic() - started
    reloading.join(10)
    assert results and results[0].ok, getattr(results[0], "error", None)
    assert waited > 0.2, "continue did not wait for the reload"
    exited = driver.finish()
    assert exited.exit_code == 0
    out = driver.output()
    assert "before new" in out and "after new" in out, out  # the first call after the continue is new code
