"""`restartFrame` over DAP: after a reload that left the stopped frame on its old code, the frame runs again from
its first line in the new code; the response comes first, then `stopped` with reason "restart". A frame that
cannot be restarted gets an error response with the reason, and the session goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dapclient import DapClient
from helpers import line_of, write

PROGRAM = """
    import calc

    print("result", calc.total(4))
    print("again", calc.total(4))
    """
CALC = """
    def total(n):
        acc = 0                              # first line
        for i in range(n):
            acc += i                         # loop line
        return acc
    """
NESTED = """
    def inner(n):
        return n                             # inner line

    def total(n):
        return inner(n) + 1
    """


def _stop(dap: DapClient, tmp_path: Path, calc_source: str, marker: str, **bp: Any) -> tuple[Path, int]:
    prog = write(tmp_path, "prog.py", PROGRAM)
    calc = write(tmp_path, "calc.py", calc_source)
    dap.start(prog, {calc: [{"line": line_of(calc, marker), **bp}]})
    return calc, dap.stopped()["threadId"]


def test_capability(dap: DapClient) -> None:
    assert dap.initialize()["supportsRestartFrame"] is True


def test_restart_after_a_reload_runs_the_function_again_in_the_new_code(
    dap: DapClient, tmp_path: Path
) -> None:
    calc, tid = _stop(dap, tmp_path, CALC, "loop line", hitCondition="3")  # i == 2: acc == 0 + 1
    assert dap.locals(dap.top_frame(tid)["id"])["i"] == "2"
    # a changed loop header: the stopped frame cannot move into the new code, the reload says it can restart
    calc.write_text(
        calc.read_text()
        .replace("for i in range(n):", "for i in range(n + 1):")
        .replace("acc += i  ", "acc += i * 100  ")
    )
    body = dap.request("dapper/hotReload", {"source": {"path": str(calc)}})
    assert body["updatedFrameCodes"] == 0
    assert [(f["name"], f["moved"]) for f in body["frames"]] == [("total", False)], body["frames"]
    assert "Restart Frame" in (body["hint"] or ""), body
    old = dap.top_frame(tid)
    assert old["name"] == "total [old code]"
    # its line is a line of the text it runs, served by reference (the file on disk has changed)
    ref = old["source"]["sourceReference"]
    assert ref, old["source"]
    assert "path" not in old["source"], old["source"]
    text = dap.request("source", {"source": {"sourceReference": ref}, "sourceReference": ref})["content"]
    assert "acc += i  " in text.splitlines()[old["line"] - 1]
    assert "range(n):" in text

    mark = dap.mark()
    seq = dap.send("restartFrame", {"frameId": old["id"]})
    response = dap.response(seq)
    assert response["success"], response.get("message")
    stopped = dap.wait_event("stopped", start=mark)
    assert stopped["body"]["reason"] == "restart"
    assert stopped["body"]["threadId"] == tid
    # the spec's order: the response, then the stopped event
    answered_at = next(i for i, m in enumerate(dap.all) if m.get("request_seq") == seq)
    stopped_at = next(i for i, m in enumerate(dap.all) if m is stopped)
    assert answered_at < stopped_at

    top = dap.top_frame(tid)
    assert (top["name"], top["line"]) == ("total", line_of(calc, "first line"))  # new code, first line
    assert dap.locals(top["id"]) == {"n": "4"}  # the parameter keeps its value; the body starts over

    dap.request("setBreakpoints", {"source": {"path": str(calc)}, "breakpoints": []})
    mark = dap.mark()
    dap.request("continue", {"threadId": tid})
    dap.wait_event("exited", start=mark)
    # the call ran once, in the new code: no "result 3" from the old loop, no second "result" line
    assert dap.output() == "result 1000\nagain 1000\n", dap.output()


def test_a_frame_that_cannot_restart_gets_the_reason(dap: DapClient, tmp_path: Path) -> None:
    calc, tid = _stop(dap, tmp_path, NESTED, "inner line")
    frames = dap.request("stackTrace", {"threadId": tid})["stackFrames"]
    assert [f["name"] for f in frames[:2]] == ["inner", "total"]
    mark = dap.mark()
    r = dap.fail("restartFrame", {"frameId": frames[1]["id"]})  # the caller, waiting for inner to return
    assert "waiting for a call" in r["message"], r
    assert r["body"]["error"]["showUser"] is True
    assert "unknown frame" in dap.fail("restartFrame", {"frameId": 999999})["message"]
    assert "'frameId'" in dap.fail("restartFrame", {})["message"]
    assert not [e for e in dap.events[mark:] if e["event"] == "stopped"]  # nothing was restarted
    # the session goes on where it was
    assert dap.top_frame(tid)["line"] == line_of(calc, "inner line")
    dap.request("setBreakpoints", {"source": {"path": str(calc)}, "breakpoints": []})
    mark = dap.mark()
    dap.request("continue", {"threadId": tid})
    dap.wait_event("exited", start=mark)
    assert dap.output() == "result 5\nagain 5\n"
    assert "not stopped" in dap.fail("restartFrame", {"frameId": frames[0]["id"]})["message"]
