"""The DAP extension request `dapper/hotReload` while stopped: its response, and the events it sends."""

from __future__ import annotations

from pathlib import Path

from dapclient import DapClient
from helpers import line_of, write

PROGRAM = """
    import shapes

    def main():
        for i in range(3):
            print("area", shapes.area(i))        # loop line

    main()
    """
SHAPES = """
    def area(n):
        return n * 10
    """


def _stop_in_loop(dap: DapClient, tmp_path: Path) -> tuple[Path, Path, int]:
    prog = write(tmp_path, "prog.py", PROGRAM)
    shapes = write(tmp_path, "shapes.py", SHAPES)
    dap.start(prog, {prog: [{"line": line_of(prog, "loop line")}]})
    stop = dap.stopped()
    return prog, shapes, stop["threadId"]


def test_edit_reload_continue_runs_new_code(dap: DapClient, tmp_path: Path) -> None:
    prog, shapes, tid = _stop_in_loop(dap, tmp_path)
    mark = dap.mark()
    dap.request("continue", {"threadId": tid})
    dap.stopped(mark)
    assert dap.wait_output("area 0\n")
    shapes.write_text("def area(n):\n    return n * 1000\n")  # same size class of edit, same second
    mark = dap.mark()
    body = dap.request(
        "dapper/hotReload",
        {"source": {"path": str(shapes)}, "options": {"invalidatePycache": True, "updateFrameCode": True}},
    )
    for field in (
        "reloadedModule",
        "reloadedPath",
        "reboundFrames",
        "updatedFrameCodes",
        "patchedInstances",
        "warnings",
    ):
        assert field in body, field
    assert body["reloadedModule"] == "shapes"
    assert body["reloadedPath"] == str(shapes.resolve())
    assert body["patchedFunctions"] >= 1
    assert "area" in body["changed"]
    changed = dap.wait_event("loadedSource", start=mark)["body"]
    assert changed["reason"] == "changed"
    assert changed["source"]["path"] == str(shapes.resolve())
    result = dap.wait_event("dapper/hotReloadResult", start=mark)["body"]
    assert result["module"] == "shapes"
    assert result["path"] == str(shapes.resolve())
    assert "durationMs" in result
    assert "warnings" in result
    dap.request("setBreakpoints", {"source": {"path": str(prog)}, "breakpoints": []})
    mark = dap.mark()
    dap.request("continue", {"threadId": tid})
    dap.wait_event("exited", start=mark)
    assert dap.output().endswith("area 0\narea 1000\narea 2000\n"), dap.output()


def test_failed_reload_changes_nothing(dap: DapClient, tmp_path: Path) -> None:
    prog, shapes, tid = _stop_in_loop(dap, tmp_path)
    shapes.write_text("def area(n):\n    return n *\n")
    mark = dap.mark()
    r = dap.fail("dapper/hotReload", {"source": {"path": str(shapes)}})
    assert "SyntaxError" in r["message"] or "syntax" in r["message"].lower()
    assert r["body"]["ok"] is False
    result = dap.wait_event("dapper/hotReloadResult", start=mark)["body"]
    assert result["ok"] is False
    assert not [e for e in dap.events[mark:] if e["event"] == "loadedSource"]
    for bad in (str(tmp_path / "notes.txt"), str(tmp_path / "never_imported.py")):
        Path(bad).write_text("x = 1\n")
        assert dap.fail("dapper/hotReload", {"source": {"path": bad}})["message"]
    dap.request("setBreakpoints", {"source": {"path": str(prog)}, "breakpoints": []})
    dap.request("continue", {"threadId": tid})
    dap.wait_event("exited")
    assert dap.output() == "area 0\narea 10\narea 20\n"


def test_bad_option_and_missing_path(dap: DapClient, tmp_path: Path) -> None:
    dap.initialize()
    shapes = write(tmp_path, "shapes.py", SHAPES)
    assert dap.fail("dapper/hotReload", {"source": {"path": str(shapes)}})["message"]  # nothing is stopped
    assert "source.path" in dap.fail("dapper/hotReload", {"source": {"name": "x.py"}})["message"]
    assert "'source'" in dap.fail("dapper/hotReload", {})["message"]
