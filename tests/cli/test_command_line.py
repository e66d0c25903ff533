"""The installed `dapper-tui` command line: what the debugged program receives, as `python` would give it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import write

DAPPER_TUI = str(Path(sys.executable).parent / "dapper-tui")

REPORT = """
import json, sys
print("REPORT", json.dumps({"name": __name__, "argv": sys.argv, "path0": sys.path[0]}))
"""


def _run(args: list[str], cwd: Path) -> dict[str, object]:
    env = dict(os.environ)
    env["XDG_STATE_HOME"] = str(cwd / "state")
    proc = subprocess.run(
        [DAPPER_TUI, "--plain", "--no-stop-on-entry", *args],
        input="c\nq\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )
    # The program's output follows the prompt on the same line when stdin is a pipe.
    _, found, rest = proc.stdout.partition("REPORT ")
    assert found, proc.stdout + proc.stderr
    return json.loads(rest.splitlines()[0])


def test_module_gets_its_own_options(tmp_path: Path) -> None:
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/tool.py", REPORT)
    # `-x` and `--plain` after the module name are the module's, as with `python -m pkg.tool -x 1 --plain`.
    seen = _run(["-m", "pkg.tool", "-x", "1", "--plain"], tmp_path)
    assert seen["name"] == "__main__"
    assert seen["argv"][1:] == ["-x", "1", "--plain"]
    assert str(seen["argv"][0]).endswith(os.path.join("pkg", "tool.py"))
    assert Path(str(seen["path0"])).resolve() == tmp_path.resolve()  # python -m puts the current folder first


def test_script_gets_its_arguments_and_its_folder_on_the_path(tmp_path: Path) -> None:
    scripts = write(tmp_path, "scripts/run.py", REPORT).parent
    seen = _run([str(scripts / "run.py"), "--verbose", "-m", "x"], tmp_path)
    assert seen["name"] == "__main__"
    assert seen["argv"] == [str(scripts / "run.py"), "--verbose", "-m", "x"]
    assert Path(str(seen["path0"])).resolve() == scripts.resolve()  # the script's folder, not the cwd


def test_no_program_prints_the_usage(tmp_path: Path) -> None:
    proc = subprocess.run([DAPPER_TUI, "--plain"], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert proc.returncode == 2
    assert "dapper-tui -m package.module" in proc.stderr


def test_agent_options_in_any_spelling_reach_the_headless_cli(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    subprocess.run([DAPPER_TUI, "agent", "init", str(project)], check=True, capture_output=True, timeout=60)
    proc = subprocess.run(
        [DAPPER_TUI, "agent", str(project), "--message=hello there", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    replies = [e for e in events if e["type"] == "assistant"]
    assert replies
    assert "echo: hello there" in json.dumps(replies[-1])


def test_agent_help_lists_the_console_and_headless_options(tmp_path: Path) -> None:
    proc = subprocess.run([DAPPER_TUI, "agent", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for option in ("--watch", "--model", "--message", "--json", "--list-threads", "--thread", "--no-deltas"):
        assert option in proc.stdout, option
    assert "agent console" in proc.stdout
    # --watch belongs to the console: with a headless option it is refused, saying why
    subprocess.run(
        [DAPPER_TUI, "agent", "init", str(tmp_path / "p")], check=True, capture_output=True, timeout=60
    )
    mixed = subprocess.run(
        [DAPPER_TUI, "agent", str(tmp_path / "p"), "--watch", "--list-threads"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert mixed.returncode == 2
    assert "--watch is the console's" in mixed.stderr
