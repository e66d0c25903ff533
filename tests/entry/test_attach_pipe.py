"""set_trace / post_mortem / pytest --dapper without a terminal: real `python` processes, the line console on a
piped stdin, and the one-line message when there is neither a terminal nor a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from attach_programs import CALC, CALC_FIXED, POST_MORTEM, PROG, TESTS

PY = sys.executable


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    env.update(XDG_STATE_HOME=str(tmp / "state"), PYTHONBREAKPOINT="dapper_tui.set_trace")
    env.update(extra)
    return env


def _run(tmp: Path, commands: str | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    stdin = subprocess.DEVNULL if commands is None else None
    return subprocess.run(
        [PY, *args],
        input=commands,
        stdin=stdin,
        capture_output=True,
        text=True,
        cwd=tmp,
        env=_env(tmp, **env),
        timeout=60,
    )


@pytest.fixture
def prog(tmp_path: Path) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(PROG)
    return path


def test_breakpoint_opens_the_line_console_on_a_pipe_and_later_breakpoints_stop(prog: Path) -> None:
    out = _run(prog.parent, "p x\nb 2\nc\np n\nc\n", "prog.py")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "prog.py:8 in main()" in text  # stopped at the caller's line
    assert "\n41\n" in text
    assert "[Breakpoint at prog.py:2]" in text  # a breakpoint set at the stop, hit after continue
    assert "\n5\n" in text
    assert text.index("after stop 42") < text.index("[Breakpoint at prog.py:2]") < text.index("later gave 10")
    assert "The program exited with code 0" in text


def test_end_of_piped_input_lets_the_program_run_on(prog: Path) -> None:
    out = _run(prog.parent, "", "prog.py")
    assert out.returncode == 0, out.stderr
    assert "end of input: the program runs on without the debugger" in out.stdout
    assert "after stop 42\nlater gave 10\ndone" in out.stdout  # its output is its own again


def test_no_terminal_and_no_pipe_is_one_line_on_stderr_and_the_program_runs_on(prog: Path) -> None:
    out = _run(prog.parent, None, "prog.py")
    assert out.returncode == 0
    assert out.stdout == "after stop 42\nlater gave 10\ndone\n"
    assert "dapper-tui: set_trace() at prog.py:8 skipped: no terminal" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_post_mortem_stops_on_the_raising_frame_then_the_program_goes_on(tmp_path: Path) -> None:
    (tmp_path / "pm.py").write_text(POST_MORTEM)
    out = _run(tmp_path, "p a, b\nc\n", "pm.py")
    assert out.returncode == 0, out.stderr
    assert "[Uncaught ZeroDivisionError: division by zero]" in out.stdout
    assert "pm.py:3 in divide()" in out.stdout
    assert "(1, 0)" in out.stdout
    assert "went on" in out.stdout


def test_python_m_dapper_tui_is_the_command(prog: Path) -> None:
    command = Path(sys.executable).parent / "dapper-tui"
    if not command.exists():
        pytest.skip("the dapper-tui command is not installed")
    commands = "n\np x\nc\n"
    env = _env(prog.parent)
    env.pop("PYTHONBREAKPOINT")
    runs = [
        subprocess.run(
            argv, input=commands, capture_output=True, text=True, cwd=prog.parent, env=env, timeout=60
        )
        for argv in (
            [str(command), "--plain", "--no-stop-on-entry", "prog.py"],
            [PY, "-m", "dapper_tui", "--plain", "--no-stop-on-entry", "prog.py"],
        )
    ]
    assert runs[0].returncode == runs[1].returncode == 1  # the end of input ends the stopped program: 1
    assert "[breakpoint() call]" in runs[0].stdout
    assert runs[0].stdout == runs[1].stdout
    version = subprocess.run([PY, "-m", "dapper_tui", "--version"], capture_output=True, text=True, env=env)
    assert version.stdout.strip() == "dapper-tui 0.1.0"


def test_pytest_dapper_reruns_the_failed_test_after_a_fix_in_one_session(tmp_path: Path) -> None:
    """The plugin, loaded from its entry point: post-mortem on the failure, fix + reload + rerun passes and
    the run ends with both tests passed (on a pipe, so the line console; the TUI's T is the tmux test).
    `-n auto` (this project's own addopts) runs the tests in this process, as xdist does for --pdb."""
    (tmp_path / "calc.py").write_text(CALC)
    (tmp_path / "test_calc.py").write_text(TESTS)
    proc = subprocess.Popen(
        [PY, "-m", "pytest", "--dapper", "-n", "auto", "-p", "no:cacheprovider", "-q", "test_calc.py"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    seen = _read_until(proc, "(dapper) ")
    assert "[Uncaught AssertionError: assert 6 == 4]" in seen
    assert "test_calc.py:6 in test_double()" in seen
    (tmp_path / "calc.py").write_text(CALC_FIXED)
    proc.stdin.write("reload calc.py\nrerun\n")
    proc.stdin.close()
    rest = proc.stdout.read()
    assert proc.wait(60) == 0, seen + rest
    assert "[re-run of test_calc.py::test_double: passed]" in rest
    assert "2 passed" in rest


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 60.0) -> str:
    """What the process printed up to `marker` (read a byte at a time on a thread, so nothing past it is lost
    and a process that never prints it fails the test instead of hanging it)."""
    assert proc.stdout is not None
    seen: list[str] = []
    found = threading.Event()

    def read() -> None:
        while not found.is_set():
            ch = proc.stdout.read(1)  # type: ignore[union-attr]
            if not ch:
                return
            seen.append(ch)
            if "".join(seen[-len(marker) :]) == marker:
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not found.wait(timeout):
        proc.kill()
        raise AssertionError(f"{marker!r} never came:\n{''.join(seen)}")
    reader.join()
    return "".join(seen)


def test_plain_env_on_a_terminal_gives_the_line_console(prog: Path) -> None:
    """DAPPER_TUI_PLAIN=1 (or TERM=dumb) on a real terminal: the line console instead of the full-screen app."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [PY, "prog.py"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=prog.parent,
        env=_env(prog.parent, DAPPER_TUI_PLAIN="1", TERM="xterm"),
    )
    os.close(slave)
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 60
        while marker not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([master], [], [], left)[0]:
                raise AssertionError(f"{marker!r} never came: {seen!r}")
            try:
                seen += os.read(master, 4096)
            except OSError:  # the process ended
                raise AssertionError(f"{marker!r} never came: {seen!r}") from None

    try:
        read_until(b"prog.py:8 in main()")  # on a terminal the prompt may come first, the stop above it
        os.write(master, b"c\n")
        read_until(b"done")
        assert b"after stop 42" in seen
        os.write(master, b"q\n")
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_pytest_dapper_refuses_explicit_workers(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert False\n")
    out = _run(tmp_path, "", "-m", "pytest", "--dapper", "-n", "2", "-p", "no:cacheprovider", "test_one.py")
    assert out.returncode == 4  # pytest's usage error: nothing ran, nothing waits for a debugger in a worker
    assert "--dapper runs the tests in this process" in out.stderr


def test_pytest_dapper_breakpoint_in_a_test_and_continue_goes_on_to_the_next_failure(tmp_path: Path) -> None:
    (tmp_path / "test_bp.py").write_text(
        "def test_a():\n    x = 5\n    breakpoint()\n    assert x == 6\n\n\ndef test_b():\n    assert 1 == 2\n"
    )
    env = {"PYTHONBREAKPOINT": ""}  # pytest would open pdb at breakpoint(); --dapper makes it dapper-tui's
    out = _run(
        tmp_path, "p x\nc\nc\nc\n", "-m", "pytest", "--dapper", "-p", "no:cacheprovider", "test_bp.py", **env
    )
    text = out.stdout
    assert out.returncode == 1, text  # two failures, as without the debugger
    stops = [line for line in text.splitlines() if line.startswith("> /")]
    assert [s.split(" in ")[0] for s in stops] == [f"> {tmp_path / 'test_bp.py'}:{n}" for n in (3, 4, 8)]
    assert "\n5\n" in text
    assert "2 failed" in text


def test_after_attaching_threads_breakpoints_and_an_uncaught_exception_stop(tmp_path: Path) -> None:
    """Once attached, a thread the program starts stops at its set_trace, a later breakpoint() stops, and an
    uncaught exception stops post-mortem; the end is told with exit code 1, as python exits."""
    (tmp_path / "edge.py").write_text(
        "import threading, dapper_tui\n"
        "def work(n):\n"
        "    dapper_tui.set_trace()  # IN THREAD\n"
        "    return n + 1\n"
        "dapper_tui.set_trace()  # FIRST\n"
        "t = threading.Thread(target=work, args=(1,))\n"
        "t.start(); t.join()\n"
        "breakpoint()  # SECOND\n"
        "raise ValueError('boom')\n"
    )
    out = _run(tmp_path, "c\np n\nc\nc\nc\n", "edge.py")
    text = out.stdout
    assert out.returncode == 1, text + out.stderr
    stops = [line.split(" in ")[0].rsplit(":", 1)[1] for line in text.splitlines() if line.startswith("> /")]
    assert stops == ["5", "3", "8", "9"], text
    assert "\n1\n" in text  # n, in the thread's frame
    assert "[Uncaught ValueError: boom]" in text
    assert "The program exited with code 1" in text
