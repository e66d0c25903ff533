"""`dapper-tui dap` with justMyCode off: a breakpoint in a `sys.meta_path` finder (importlib holds its global import
lock there) must not freeze the server. The stop comes at the first line after the import lock is released, says
why, and the server keeps answering while the program is stopped."""

from __future__ import annotations

from pathlib import Path

from dapclient import DapClient
from helpers import line_of, program


def test_breakpoint_in_an_import_hook_does_not_freeze_the_server(dap: DapClient, tmp_path: Path) -> None:
    """Each request is answered (a frozen server would time out after 5 s; the speed is not asserted here)."""
    prog = program(tmp_path, "finder.py")
    helper = program(tmp_path, "lazy_helper.py")
    dap.start(prog, {prog: [{"line": line_of(prog, "finder line")}]}, justMyCode=False)
    stop = dap.stopped(timeout=10.0)
    assert "skipped" in stop["description"], stop
    assert "import lock" in stop["description"], stop
    tid = stop["threadId"]
    trace = dap.request("stackTrace", {"threadId": tid}, timeout=5.0)
    top = trace["stackFrames"][0]
    assert (top["name"], top["source"]["path"], top["line"]) == ("<module>", str(helper.resolve()), 1)
    threads = dap.request("threads", None, timeout=5.0)
    assert tid in [t["id"] for t in threads["threads"]]
    # loadedSources and evaluate make the server look around the program's modules while it is stopped
    dap.request("loadedSources", None, timeout=5.0)
    value = dap.request("evaluate", {"expression": "__name__", "frameId": top["id"]}, timeout=5.0)
    assert value["result"] == "'lazy_helper'"
    dap.request("setBreakpoints", {"source": {"path": str(prog)}, "breakpoints": []})
    mark = dap.mark()
    dap.request("continue", {"threadId": tid}, timeout=5.0)
    assert dap.wait_event("exited", start=mark, timeout=10.0)["body"]["exitCode"] == 0
    assert "done 42\n" in dap.output()
