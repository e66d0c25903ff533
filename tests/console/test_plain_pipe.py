"""Without a terminal (stdin a pipe) the console reads plain lines: scripted sessions work too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

DAPPER_TUI = str(Path(sys.executable).parent / "dapper-tui")


def test_scripted_session_through_a_pipe(tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(
        textwrap.dedent(
            """
            def f(x):
                y = x + 1
                return y * 2

            print("got", f(20))
            """
        ).lstrip()
    )
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")  # the console keeps the project's breakpoints there
    commands = (
        "\n".join(["b 2", "c", "p x", "n", "p y", "help reload", "restart", "c", "p x + 1", "c", "q"]) + "\n"
    )
    proc = subprocess.run(
        [DAPPER_TUI, "--plain", "--stop-on-entry", str(prog)],
        input=commands,
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=tmp_path,
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "\x1b[" not in out  # no colours into a pipe
    assert "[Breakpoint at prog.py:2]" in out
    assert "(dapper) \n20\n" in out
    assert "[Step]" in out
    assert "(dapper) \n21\n" in out
    assert "reload [file]\n    hot-reload a file" in out
    assert out.count("got 42\n") == 1  # the first run was ended by `restart`
    assert out.count("[Breakpoint at prog.py:2]") == 2
    assert "(dapper) \n21\n" in out.split("[Entry]")[2]
    assert "The program exited with code 0." in out
