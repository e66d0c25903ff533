"""Editing the script being debugged (``__main__``) in a real, separate interpreter.

The driver does what the debug session does: it starts source tracking, then runs the script as ``__main__``.
At its "breakpoint" the script edits itself on disk and reloads while its own top-level frame is on the stack.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write

from .conftest import run_python

DRIVER = """
import runpy, sys
from dapper_tui.engine.hotreload import track_sources
track_sources()
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

SCRIPT = '''
import json
import sys

from dapper_tui.engine.hotreload import ReloadOptions, reload_file, running_old_code, source_of

RUNS = []
RUNS.append("top-level")
LIMIT = 1


def greet():
    return "old greet"


class Greeter:
    def hi(self):
        return "old hi"


def at_breakpoint(mode):
    """The user edits this file and saves while stopped here."""
    path = __file__
    src = open(path).read()
    new = (src.replace('"old greet"', '"new greet"').replace('"old hi"', '"new hi"')
           .replace("LIMIT = 1", "LIMIT = 2").replace('RUNS.append("main")', 'RUNS.append("main edited")')
           .replace('RUNS.append("top-level")', 'RUNS.append("top-level edited")'))
    open(path, "w").write(new)
    return reload_file(path, ReloadOptions(mode=mode), frames=[sys._getframe(1)])


if __name__ == "__main__":
    RUNS.append("main")
    g = Greeter()
    held = greet
    result = at_breakpoint(sys.argv[1])
    me = sys._getframe()
    print(json.dumps({
        "ok": result.ok, "error": result.error, "module": result.reloadedModule, "runs": RUNS,
        "greet": held(), "hi": g.hi(), "limit": LIMIT, "changed": result.changed, "warnings": result.warnings,
        "old_frame": running_old_code(me), "old_source": '"old greet"' in (source_of(me.f_code) or ""),
    }))
'''


@pytest.mark.parametrize("mode", ["diff", "module"])
def test_main_script_definitions_update_without_rerunning_it(tmp_path: Path, mode: str) -> None:
    write(tmp_path, "driver.py", DRIVER)
    write(tmp_path, "script.py", SCRIPT)
    proc = run_python(["driver.py", "script.py", mode], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["ok"], out["error"]
    assert out["module"] == "__main__"
    assert out["greet"] == "new greet"
    assert out["hi"] == "new hi"
    assert out["limit"] == 2
    assert {"greet", "Greeter.hi", "LIMIT"} <= set(out["changed"])
    # neither the top level nor the main block ran again, in either mode: module mode would run the program
    # again, so __main__ is always reloaded by definition, and the result says so
    assert out["runs"] == ["top-level", "main"]
    assert any("not re-run" in w and "__main__" in w for w in out["warnings"])
    if mode == "module":
        assert any("module mode does not re-run __main__" in w for w in out["warnings"])
    assert out["old_frame"]
    assert out["old_source"]
