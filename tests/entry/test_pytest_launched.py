"""`dapper-tui -m pytest tests/test_x.py` (here through the DAP server, launched with `module`): breakpoints in
a test and in the code under test both stop, with pytest's assertion rewriting and output capture on."""

from __future__ import annotations

from pathlib import Path

import pytest
from dapclient import DapClient

CALC = "def double(n):\n    return n * 3  # BUG\n"
TESTS = (
    "from calc import double\n\n\n"
    "def test_double():\n    value = double(2)  # IN TEST\n    print('captured by pytest')\n    assert value == 4\n"
)


@pytest.fixture
def dap(tmp_path: Path) -> DapClient:
    client = DapClient.stdio(cwd=tmp_path)
    yield client
    client.close()


def test_breakpoints_in_a_test_and_in_the_code_under_test_stop(dap: DapClient, tmp_path: Path) -> None:
    calc, tests = tmp_path / "calc.py", tmp_path / "test_calc.py"
    calc.write_text(CALC)
    tests.write_text(TESTS)
    dap.initialize()
    dap.request(
        "launch",
        {"module": "pytest", "args": ["-p", "no:cacheprovider", "-q", str(tests)], "cwd": str(tmp_path)},
    )
    for path, line in ((tests, 5), (calc, 2)):
        dap.request("setBreakpoints", {"source": {"path": str(path)}, "breakpoints": [{"line": line}]})
    dap.request("configurationDone")

    stop = dap.stopped()
    frame = dap.top_frame(stop["threadId"])
    assert (Path(frame["source"]["path"]).name, frame["line"]) == ("test_calc.py", 5)  # a rewritten module
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    stop = dap.stopped(start=mark)
    frame = dap.top_frame(stop["threadId"])
    assert (Path(frame["source"]["path"]).name, frame["line"]) == ("calc.py", 2)
    assert dap.locals(frame["id"]) == {"n": "2"}
    dap.request("continue", {"threadId": stop["threadId"]})
    exited = dap.wait_event("exited", timeout=30)
    assert exited["body"]["exitCode"] == 1  # the test fails (6 != 4), as it would without the debugger
    assert "1 failed" in dap.output()
