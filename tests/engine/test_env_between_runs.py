"""A restart finds the environment as the first run did: `os.environ`, the C-level
environment child processes inherit (`os.putenv`/`os.unsetenv`), and `os.environ` itself if the program
rebinds it. Real sessions in this process: the test's own environment is what must come back."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from dapper_tui.engine.events import Exited, Output

PROGRAM = """
import json, os, subprocess, sys
names = ["DAPEXIT_ADDED", "DAPEXIT_KEPT", "DAPEXIT_GONE", "DAPEXIT_PUTENV", "DAPEXIT_UNSET"]
code = "import json, os, sys; print(json.dumps({n: os.environ.get(n) for n in sys.argv[1:]}))"
child = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, check=True).stdout
print("ENV " + json.dumps({"here": {n: os.environ.get(n) for n in names}, "child": json.loads(child)}))
os.environ["DAPEXIT_ADDED"] = "added"
os.environ["DAPEXIT_KEPT"] = "changed"
del os.environ["DAPEXIT_GONE"]
os.putenv("DAPEXIT_PUTENV", "put")
os.unsetenv("DAPEXIT_UNSET")
os.environ = dict(os.environ, DAPEXIT_REBOUND="1")
x = 1  # stop here
"""

FRESH = {
    "DAPEXIT_ADDED": None,
    "DAPEXIT_KEPT": "kept",
    "DAPEXIT_GONE": "there",
    "DAPEXIT_PUTENV": None,
    "DAPEXIT_UNSET": "there too",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAPEXIT_KEPT", "kept")
    monkeypatch.setenv("DAPEXIT_GONE", "there")
    monkeypatch.setenv("DAPEXIT_UNSET", "there too")
    monkeypatch.delenv("DAPEXIT_ADDED", raising=False)
    monkeypatch.delenv("DAPEXIT_PUTENV", raising=False)


def _seen(d: Any) -> list[dict]:
    d.output()
    text = "".join(e.text for e in d.seen if isinstance(e, Output) and e.category == "stdout")
    return [json.loads(line[4:]) for line in text.splitlines() if line.startswith("ENV ")]


@pytest.mark.parametrize("when", ["stopped", "exited"])
def test_a_restart_finds_the_environment_of_the_first_run(driver: Any, env: None, when: str) -> None:
    d = driver
    environ = os.environ
    prog = d.write("envs.py", PROGRAM)
    if when == "stopped":
        d.session.set_breakpoints(str(prog), [d.line_of(prog, "stop here")])
    d.launch(prog)
    if when == "stopped":
        d.stopped()
    else:
        d.finish()
    d.session.restart()
    if when == "stopped":
        d.wait(Exited)  # the first run's, ended by the restart
        d.stopped()
        d.session.terminate()
    d.finish()
    first, second = _seen(d)
    assert first == {"here": FRESH, "child": FRESH}, first
    assert second == first, second
    assert os.environ is environ
    assert "DAPEXIT_REBOUND" not in os.environ
    assert os.environ.get("DAPEXIT_KEPT") == "kept"
    assert "DAPEXIT_ADDED" not in os.environ
