"""`dapper-tui dap` with justMyCode off: a breakpoint in a `sys.meta_path` finder (importlib holds its global import
lock there) must not freeze the server. The stop comes at the first line after the import lock is released, says
why, and the server keeps answering while the program is stopped."""

from __future__ import annotations

import time
from pathlib import Path

from dapclient import DapClient, write
from helpers import line_of

PROGRAM = """\
import sys


class Finder:
    def find_spec(self, name, path, target=None):
        asked = name  # finder line
        return None


sys.meta_path.insert(0, Finder())
import lazy_helper  # import line
print("done", lazy_helper.VALUE)
"""


def _timed(dap: DapClient, command: str, arguments: dict | None = None) -> tuple[dict, float]:
    t0 = time.monotonic()
    body = dap.request(command, arguments, timeout=5.0)
    return body, time.monotonic() - t0


def test_breakpoint_in_an_import_hook_does_not_freeze_the_server(dap: DapClient, tmp_path: Path) -> None:
    prog = write(tmp_path / "prog.py", PROGRAM)
    helper = write(tmp_path / "lazy_helper.py", "VALUE = 42  # helper first\n")
    dap.start(prog, {prog: [{"line": line_of(prog, "finder line")}]}, justMyCode=False)
    stop = dap.stopped(timeout=10.0)
    assert "skipped" in stop["description"], stop
    assert "import lock" in stop["description"], stop
    tid = stop["threadId"]
    trace, took = _timed(dap, "stackTrace", {"threadId": tid})
    top = trace["stackFrames"][0]
    assert (top["name"], top["source"]["path"], top["line"]) == ("<module>", str(helper.resolve()), 1)
    assert took < 2.0
    threads, took = _timed(dap, "threads")
    assert tid in [t["id"] for t in threads["threads"]]
    assert took < 2.0
    # loadedSources and evaluate make the server look around the program's modules while it is stopped
    _, took = _timed(dap, "loadedSources")
    assert took < 2.0
    value, took = _timed(dap, "evaluate", {"expression": "__name__", "frameId": top["id"]})
    assert value["result"] == "'lazy_helper'"
    assert took < 2.0
    dap.request("setBreakpoints", {"source": {"path": str(prog)}, "breakpoints": []})
    mark = dap.mark()
    _, took = _timed(dap, "continue", {"threadId": tid})
    assert took < 2.0
    assert dap.wait_event("exited", start=mark, timeout=10.0)["body"]["exitCode"] == 0
    assert "done 42\n" in dap.output()
