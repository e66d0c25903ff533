"""The program's exit is told after everything it wrote to its terminal: a front end prints "[program exited]"
when Exited comes, so output still on its way through the terminal must come first."""

from __future__ import annotations

from typing import Any

from dapper_tui.engine.events import Exited, Output
from dapper_tui.engine.fdcapture import DescriptorCapture

LAST_WORDS = """
    import os
    for i in range(200):
        os.write(1, b"x" * 1000 + b"\\n")  # past the terminal's buffer: the reader is still busy at the exit
    os.write(1, b"last words\\n")
    """


def test_exited_comes_after_the_output_still_in_the_terminal(driver: Any) -> None:
    d = driver
    prog = d.write("last.py", LAST_WORDS)
    capture = DescriptorCapture(d.events.put)
    capture.start()
    d.session.io.terminal = capture
    try:
        for _ in range(5):
            d.seen.clear()
            d.launch(prog)
            assert d.wait(Exited, timeout=30).exit_code == 0
            before_exit = "".join(e.text for e in d.seen if isinstance(e, Output) and e.category == "stdout")
            assert before_exit.endswith("last words\r\n"), before_exit[-80:]
    finally:
        d.session.io.terminal = None
        capture.stop()
