"""The DAP server over stdio and TCP, driven by a small real client against real programs."""

from __future__ import annotations

from pathlib import Path

from dapclient import DapClient
from helpers import line_of, program, write

PROGRAM = """
    import helper

    def work(n):
        total = 0                            # first line
        for i in range(n):
            total += helper.double(i)        # call line
        return total                         # return line

    def main():
        print("start")
        r = work(3)                          # main call
        print("result", r)                   # after work
        for k in range(5):
            pass                             # loop line

    main()
    """
HELPER = """
    def double(x):
        y = x * 2                            # helper first
        return y                             # helper return
    """


def _program(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path, "prog.py", PROGRAM), write(tmp_path, "helper.py", HELPER)


def test_initialize_capabilities(dap: DapClient) -> None:
    caps = dap.initialize()
    assert caps["supportsHotReload"] is True
    for name in (
        "supportsConditionalBreakpoints",
        "supportsHitConditionalBreakpoints",
        "supportsLogPoints",
        "supportsFunctionBreakpoints",
        "supportsSetVariable",
        "supportsEvaluateForHovers",
        "supportsLoadedSourcesRequest",
        "supportsTerminateRequest",
        "supportsConfigurationDoneRequest",
    ):
        assert caps[name] is True, name
    filters = {f["filter"]: f for f in caps["exceptionBreakpointFilters"]}
    assert filters["uncaught"]["default"] is True
    assert filters["raised"]["default"] is False


def test_breakpoint_stack_scopes_variables_evaluate_set_variable(dap: DapClient, tmp_path: Path) -> None:
    prog, _ = _program(tmp_path)
    call = line_of(prog, "call line")
    dap.start(prog, {prog: [{"line": call}]})
    stop = dap.stopped()
    assert stop["reason"] == "breakpoint"
    assert stop["hitBreakpointIds"]
    assert "start\n" in dap.wait_output("start")
    threads = dap.request("threads")["threads"]
    assert [t["id"] for t in threads] == [stop["threadId"]]
    trace = dap.request("stackTrace", {"threadId": stop["threadId"]})
    frames = trace["stackFrames"]
    assert [(f["name"], f["line"]) for f in frames[:2]] == [
        ("work", call),
        ("main", line_of(prog, "main call")),
    ]
    assert frames[0]["source"]["path"] == str(prog.resolve())
    assert dap.locals(frames[0]["id"]) == {"n": "3", "total": "0", "i": "0"}
    assert (
        dap.request("evaluate", {"expression": "n * 10", "frameId": frames[0]["id"], "context": "hover"})[
            "result"
        ]
        == "30"
    )
    # an evaluate in the caller's frame sees the caller's locals
    assert (
        dap.request("evaluate", {"expression": "work.__name__", "frameId": frames[1]["id"]})["result"]
        == "'work'"
    )
    err = dap.fail("evaluate", {"expression": "no_such_name", "frameId": frames[0]["id"]})
    assert "NameError" in err["message"]
    # setVariable writes into the running frame: the program computes with the new value
    scopes = dap.request("scopes", {"frameId": frames[0]["id"]})["scopes"]
    ref = scopes[0]["variablesReference"]
    assert (
        dap.request("setVariable", {"variablesReference": ref, "name": "total", "value": "100"})["value"]
        == "100"
    )
    dap.request("setBreakpoints", {"source": {"path": str(prog)}, "breakpoints": []})
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    assert dap.wait_event("exited", start=mark)["body"]["exitCode"] == 0
    dap.wait_event("terminated", start=mark)
    assert "result 106\n" in dap.output()  # 100 + 0*2 + 1*2 + 2*2


def test_stepping_and_log_points(dap: DapClient, tmp_path: Path) -> None:
    prog, helper = _program(tmp_path)
    call = line_of(prog, "call line")
    loop = line_of(prog, "loop line")
    dap.start(
        prog,
        {prog: [{"line": call, "condition": "i == 1"}, {"line": loop, "logMessage": "k is {k}"}]},
    )
    stop = dap.stopped()
    tid = stop["threadId"]
    frame = dap.top_frame(tid)
    assert frame["line"] == call
    assert dap.locals(frame["id"])["i"] == "1"
    mark = dap.mark()
    dap.request("stepIn", {"threadId": tid})
    assert dap.stopped(mark)["reason"] == "step"
    frame = dap.top_frame(tid)
    assert (frame["name"], frame["line"]) == ("double", line_of(helper, "helper first"))
    mark = dap.mark()
    dap.request("next", {"threadId": tid})
    dap.stopped(mark)
    assert dap.top_frame(tid)["line"] == line_of(helper, "helper return")
    mark = dap.mark()
    dap.request("stepOut", {"threadId": tid})
    dap.stopped(mark)
    assert dap.top_frame(tid)["name"] == "work"
    mark = dap.mark()
    dap.request("continue", {"threadId": tid})
    dap.wait_event("exited", start=mark)
    console = dap.output("console")
    assert all(f"k is {k}\n" in console for k in range(5)), console


def test_hit_condition_function_breakpoint_and_loaded_sources(dap: DapClient, tmp_path: Path) -> None:
    prog, helper = _program(tmp_path)
    dap.initialize()
    dap.request("launch", {"program": str(prog)})
    bps = dap.request(
        "setBreakpoints",
        {
            "source": {"path": str(helper)},
            "breakpoints": [{"line": line_of(helper, "helper first"), "hitCondition": "3"}],
        },
    )["breakpoints"]
    assert bps[0]["verified"] is True
    fbps = dap.request("setFunctionBreakpoints", {"breakpoints": [{"name": "work"}]})["breakpoints"]
    assert fbps[0]["verified"] is True
    dap.request("configurationDone")
    stop = dap.stopped()
    assert stop["reason"] == "function breakpoint"
    assert dap.top_frame(stop["threadId"])["name"] == "work"
    paths = {s["path"] for s in dap.request("loadedSources")["sources"]}
    assert {str(prog.resolve()), str(helper.resolve())} <= paths
    src = dap.request("source", {"source": {"path": str(helper)}})
    assert "def double" in src["content"]
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    stop = dap.stopped(mark)
    frame = dap.top_frame(stop["threadId"])
    assert dap.locals(frame["id"])["x"] == "2"  # the third call
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    dap.wait_event("exited", start=mark)


def test_pause_and_terminate(dap: DapClient, tmp_path: Path) -> None:
    prog = program(tmp_path, "loop.py")
    dap.start(prog)
    dap.wait_output("looping")  # the loop runs (n > 0) before the pause
    dap.request("pause", {"threadId": 1})
    stop = dap.stopped()
    assert stop["reason"] == "pause"
    frame = dap.top_frame(stop["threadId"])
    assert frame["source"]["path"] == str(prog)
    assert int(dap.request("evaluate", {"expression": "n", "frameId": frame["id"]})["result"]) > 0
    mark = dap.mark()
    dap.request("terminate")
    dap.wait_event("terminated", start=mark)


def test_stop_on_entry_exception_and_exit_code(dap: DapClient, tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "boom.py",
        """
        x = 1                        # entry
        raise ValueError("boom")     # raise line
        """,
    )
    dap.start(prog, stopOnEntry=True)
    stop = dap.stopped()
    assert stop["reason"] == "entry"
    assert dap.top_frame(stop["threadId"])["line"] == line_of(prog, "entry")
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    stop = dap.stopped(mark)
    assert stop["reason"] == "exception"
    assert "ValueError: boom" in stop["text"]
    info = dap.request("exceptionInfo", {"threadId": stop["threadId"]})
    assert info["exceptionId"] == "ValueError"
    assert info["breakMode"] == "unhandled"
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    assert dap.wait_event("exited", start=mark)["body"]["exitCode"] == 1
    assert "ValueError: boom" in dap.output("stderr")


def test_tcp_serves_one_client_after_another(tmp_path: Path) -> None:
    prog, _ = _program(tmp_path)
    client = DapClient.tcp()
    proc = client.proc
    try:
        client.start(prog, {prog: [{"line": line_of(prog, "after work")}]})
        stop = client.stopped()
        frame = client.top_frame(stop["threadId"])
        assert client.request("evaluate", {"expression": "r", "frameId": frame["id"]})["result"] == "6"
        client.request("disconnect", {"terminateDebuggee": True})
        client._close()
        # a second client on the same server gets a fresh session
        assert client.port is not None
        second = DapClient.connect(client.port, client.token)
        second.start(prog)
        second.wait_event("exited")
        assert "result 6\n" in second.output()
        second.request("disconnect")
        second._close()
    finally:
        assert proc is not None
        proc.terminate()
        proc.wait(10)


def test_program_output_never_corrupts_the_protocol(dap: DapClient, tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "noisy.py",
        """
        import os, sys
        print("Content-Length: 5\\r\\n\\r\\nhello")
        sys.stdout.write("partial line")
        os.write(1, b"raw fd one\\n")
        print("to stderr", file=sys.stderr)
        """,
    )
    dap.start(prog)
    assert dap.wait_event("exited")["body"]["exitCode"] == 0
    assert "Content-Length: 5\r\n\r\nhello\npartial line" in dap.output()
    assert "to stderr\n" in dap.output("stderr")
    assert dap.request("threads") == {"threads": []}


def test_client_closing_the_stream_ends_the_server(tmp_path: Path) -> None:
    prog = write(tmp_path, "wait.py", "import time\nwhile True:\n    time.sleep(0.01)\n")
    client = DapClient.stdio()
    client.start(prog)
    client._close()  # no disconnect: the stream just ends
    assert client.proc is not None
    assert client.proc.wait(10) == 0


def test_program_input_is_answered_from_the_debug_console(dap: DapClient, tmp_path: Path) -> None:
    prog = write(tmp_path, "ask.py", 'name = input("name? ")\nprint("hello", name)\n')
    dap.start(prog)
    dap.wait_output("name? ")
    assert "waits for input" in dap.wait_event("output", category="console")["body"]["output"]
    dap.request("evaluate", {"expression": "bob", "context": "repl"})
    assert dap.wait_event("exited")["body"]["exitCode"] == 0
    assert dap.output() == "name? hello bob\n"
