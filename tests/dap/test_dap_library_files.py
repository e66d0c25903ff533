"""Library files over DAP (a real pip-installed package, a real `dapper-tui dap` server over stdio): a breakpoint in
site-packages is verified and hit, `dapper/hotReload` of the loaded library module works with a warning, and a
standard library module is refused with the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dapclient import DapClient
from helpers import line_of, write
from installed_packages import installed_util


@pytest.fixture
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with installed_util(tmp_path_factory.mktemp("wheels"), "dapper_daplib") as found:
        yield found


def test_breakpoint_in_site_packages_hit_and_hot_reload(dap: DapClient, tmp_path: Path, lib) -> None:
    name, util = lib
    prog = write(
        tmp_path,
        "prog.py",
        f"""
        import json
        from {name}.util import louder
        print(louder("a"))
        print(louder("b"))
        """,
    )
    dap.initialize()
    dap.request("launch", {"program": str(prog)})
    line = line_of(util, "lib line")
    bps = dap.request("setBreakpoints", {"source": {"path": str(util)}, "breakpoints": [{"line": line}]})
    assert [(b["verified"], b["line"]) for b in bps["breakpoints"]] == [(True, line)]
    dap.request("configurationDone")
    stop = dap.stopped()
    assert stop["reason"] == "breakpoint"
    top = dap.top_frame(stop["threadId"])
    assert (top["name"], top["source"]["path"], top["line"]) == ("louder", str(util), line)
    assert dap.locals(top["id"])["word"] == "'a'"

    util.write_text(util.read_text().replace('return big + "?"', 'return big + "!"'))
    body = dap.request("dapper/hotReload", {"source": {"path": str(util)}})
    assert body["ok"]
    assert body["reloadedModule"] == f"{name}.util"
    assert body["changed"] == ["louder"]
    assert any(w.startswith("library module: reloaded on request") for w in body["warnings"]), body[
        "warnings"
    ]

    refused = dap.fail("dapper/hotReload", {"source": {"path": json.__file__}})
    assert "refused: standard library module (json)" in refused["message"], refused

    dap.request("setBreakpoints", {"source": {"path": str(util)}, "breakpoints": []})
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    dap.wait_event("exited", start=mark)
    assert dap.output().endswith("A?\nB!\n"), dap.output()
