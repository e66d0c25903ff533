"""A stop in a test that pytest rewrote: the locals are the test's own names, without the assertion-rewrite
temporaries (`@py_assert1`, `@py_format3`, ...) that pytest leaves in the frame. The TUI's variables pane, the
line console's name completion and a DAP client all list locals through the same engine call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dapclient import DapClient

TESTS = """\
def test_values():
    value = 2
    assert value == 2, "a message makes pytest keep a @py_format local too"
    names = [value, value + 1]
    assert len(names) == 2
    done = sum(names)  # AFTER
"""


@pytest.fixture
def dap(tmp_path: Path) -> Iterator[DapClient]:
    client = DapClient.stdio(cwd=tmp_path)
    yield client
    client.close()


def test_the_locals_of_a_rewritten_test_hide_pytests_temporaries(dap: DapClient, tmp_path: Path) -> None:
    tests = tmp_path / "test_values.py"
    tests.write_text(TESTS)
    line = TESTS.splitlines().index("    done = sum(names)  # AFTER") + 1
    dap.initialize()
    dap.request(
        "launch",
        {"module": "pytest", "args": ["-p", "no:cacheprovider", "-q", str(tests)], "cwd": str(tmp_path)},
    )
    dap.request("setBreakpoints", {"source": {"path": str(tests)}, "breakpoints": [{"line": line}]})
    dap.request("configurationDone")
    stop = dap.stopped()
    frame = dap.top_frame(stop["threadId"])
    assert (Path(frame["source"]["path"]).name, frame["line"]) == ("test_values.py", line)
    # the frame does hold pytest's temporaries (the test checks what it says it checks) ...
    hidden = dap.request(
        "evaluate",
        {
            "expression": "sorted(k for k in locals() if k.startswith('@py'))",
            "frameId": frame["id"],
            "context": "repl",
        },
    )["result"]
    assert "@py_assert" in hidden
    # ... and the locals list shows only the test's own names
    assert dap.locals(frame["id"]) == {"value": "2", "names": "[2, 3]"}
    scopes = dap.request("scopes", {"frameId": frame["id"]})["scopes"]
    assert next(s for s in scopes if s["name"] == "Locals").get("namedVariables") == 2
    dap.request("continue", {"threadId": stop["threadId"]})
    exited = dap.wait_event("exited", timeout=30)
    assert exited["body"]["exitCode"] == 0
