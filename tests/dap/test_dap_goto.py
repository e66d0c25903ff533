"""Jump to a line over DAP (`gotoTargets`, `goto`, `supportsGotoTargetsRequest`): the stopped frame goes on from
another line of its function, so a skipped line never runs and a line run again runs twice; the response comes
first, then `stopped` with reason "goto". Jumps CPython forbids get an error response with the reason, and the
session goes on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dapclient import DapClient
from helpers import line_of, write

PROGRAM = """
    def work(n):
        log = []
        log.append("start")                  # start line
        log.append("skipped")                # skipped line
        # a comment line
        for i in range(n):
            log.append(i)                    # loop body
        log.append("end")                    # end line
        return log

    def other():
        return 1                             # other function

    print("log", work(2))
    other()
    """


def _stopped_at_start(dap: DapClient, tmp_path: Path, step_first: bool = False) -> tuple[Path, int]:
    prog = write(tmp_path, "prog.py", PROGRAM)
    marker = "log = []" if step_first else "start line"
    dap.start(prog, {prog: [{"line": line_of(prog, marker)}]})
    tid = dap.stopped()["threadId"]
    if step_first:  # on 3.11 a jump needs a stop inside a trace function: a step's stop is one
        mark = dap.mark()
        dap.request("next", {"threadId": tid})
        dap.stopped(start=mark)
    assert dap.top_frame(tid)["line"] == line_of(prog, "start line")
    return prog, tid


def test_capability(dap: DapClient) -> None:
    assert dap.initialize()["supportsGotoTargetsRequest"] is True


@pytest.mark.parametrize("step_first", [False, True], ids=["at-a-breakpoint", "after-a-step"])
def test_jump_over_a_line_skips_it(dap: DapClient, tmp_path: Path, step_first: bool) -> None:
    prog, tid = _stopped_at_start(dap, tmp_path, step_first)
    end = line_of(prog, "end line")
    path = {"path": str(prog)}
    targets = dap.request("gotoTargets", {"source": path, "line": end})["targets"]
    if sys.version_info < (3, 12) and not step_first:  # a 3.11 breakpoint hook is no trace function
        assert targets == []
        failed = dap.fail("goto", {"threadId": tid, "targetId": end})
        assert "step once" in failed["message"], failed
        return
    assert [t["line"] for t in targets] == [end]
    # a blank or comment line lands on the next line with code, as CPython's own jump does
    comment = line_of(prog, "a comment line")
    landing = dap.request("gotoTargets", {"source": path, "line": comment})["targets"]
    assert [t["line"] for t in landing] == [comment + 1]
    assert (
        dap.request("gotoTargets", {"source": path, "line": line_of(prog, "other function")})["targets"] == []
    )

    mark = dap.mark()
    seq = dap.send("goto", {"threadId": tid, "targetId": targets[0]["id"]})
    response = dap.response(seq)
    assert response["success"], response.get("message")
    stopped = dap.wait_event("stopped", start=mark)
    assert stopped["body"]["reason"] == "goto"
    assert stopped["body"]["threadId"] == tid
    answered_at = next(i for i, m in enumerate(dap.all) if m.get("request_seq") == seq)
    assert answered_at < next(i for i, m in enumerate(dap.all) if m is stopped)
    assert dap.top_frame(tid)["line"] == end

    dap.request("continue", {"threadId": tid})
    # the program ran on from the end line: neither the start, the skipped line nor the loop ran
    assert "log ['end']" in dap.wait_output("log ")


def test_refusals_say_why_and_the_session_goes_on(dap: DapClient, tmp_path: Path) -> None:
    prog, tid = _stopped_at_start(dap, tmp_path, step_first=sys.version_info < (3, 12))
    # outside the function
    failed = dap.fail("goto", {"threadId": tid, "targetId": line_of(prog, "other function")})
    assert "is not in work()" in failed["message"], failed
    # into a for loop's body from outside it: CPython's rule, its words
    failed = dap.fail("goto", {"threadId": tid, "targetId": line_of(prog, "loop body")})
    assert "cannot jump to line" in failed["message"], failed
    assert "loop" in failed["message"], failed
    assert dap.top_frame(tid)["line"] == line_of(prog, "start line")  # nothing moved
    dap.request("continue", {"threadId": tid})
    assert "log ['start', 'skipped', 0, 1, 'end']" in dap.wait_output("log ")


@pytest.mark.skipif(
    sys.version_info < (3, 12), reason="CPython warns about unbound locals on a jump from 3.12"
)
def test_a_jump_that_leaves_locals_unbound_says_so_in_the_stop_not_in_the_programs_output(
    dap: DapClient, tmp_path: Path
) -> None:
    prog = write(
        tmp_path,
        "prog.py",
        "def f():\n    a = 1  # first\n    b = 2\n    return 'done'  # last\n\n\nprint(f())\n",
    )
    dap.start(prog, {prog: [{"line": line_of(prog, "first")}]})
    tid = dap.stopped()["threadId"]
    mark = dap.mark()
    dap.request("goto", {"threadId": tid, "targetId": line_of(prog, "last")})
    stopped = dap.wait_event("stopped", start=mark)
    assert stopped["body"]["description"] == "Jumped to line 4; assigning None to 2 unbound locals"
    dap.request("continue", {"threadId": tid})
    dap.wait_output("done")
    assert "RuntimeWarning" not in dap.output("stderr")
