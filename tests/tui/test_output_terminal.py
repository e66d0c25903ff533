"""The program's output as a terminal shows it: the program gets a terminal of its own (a real pseudo-terminal on
descriptors 1 and 2, set up by the same code `dapper-tui` runs), and the Output pane draws ANSI colours, `\\r`
progress lines and long lines the way a terminal would."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from dapper_tui.tui.run import _program_descriptors_captured
from helpers import line_of, write
from rich.style import Style
from tuihelpers import app_until, make_app, wait_stopped

PROGRAM = Path(__file__).parent / "programs" / "terminal_output.py"
RED, GREEN, YELLOW, BLUE, MAGENTA = 1, 2, 3, 4, 5  # the ANSI colour numbers


@pytest.fixture
def terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment of a 256-colour terminal, with nothing that forces or sizes colour output."""
    for name in (
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "COLORTERM",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


@contextlib.contextmanager
def user_terminal() -> Iterator[None]:
    """Descriptors 0, 1 and 2 on a pseudo-terminal, as when a user starts dapper-tui in a terminal (pytest's
    are files, put back between a fixture and the test: so this is used in the test's body). Whatever reaches
    it is read and dropped, like a terminal nobody looks at."""
    master, slave = os.openpty()
    saved = {fd: os.dup(fd) for fd in (0, 1, 2)}
    for fd in (0, 1, 2):
        os.dup2(slave, fd)

    def drain() -> None:
        try:
            while os.read(master, 65536):
                pass
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield
    finally:
        for fd, dup in saved.items():
            os.dup2(dup, fd)
            os.close(dup)
        os.close(slave)
        reader.join(2)
        os.close(master)


@contextlib.contextmanager
def program_terminal(app) -> Iterator[None]:
    """The program's terminal, made by the code `dapper-tui` runs, inside the user's terminal."""
    with user_terminal(), _program_descriptors_captured(app):
        assert app.session.io.terminal is not None
        yield


def shown(pane) -> list[str]:
    return [strip.text.rstrip() for strip in pane.lines]


def style_of(pane, row: int, word: str) -> Style:
    """The style `word` is drawn with on the pane's row `row`."""
    for segment in pane.lines[row]:
        if word in segment.text:
            return segment.style or Style()
    raise AssertionError(f"{word!r} not on row {row}: {pane.lines[row].text!r}")


async def test_the_program_has_a_terminal_and_the_pane_draws_what_a_terminal_shows(terminal_env) -> None:
    last = line_of(PROGRAM, "# the last line")
    app = make_app(PROGRAM, {PROGRAM: [last]})
    with program_terminal(app):
        async with app.run_test(size=(150, 42)) as pilot:
            await wait_stopped(pilot, last)
            out = app.main.output
            await app_until(pilot, lambda: "warning: on stderr" in out.text, what="the program's output")
            width = out.scrollable_content_region.width
            rows = shown(out)
            assert rows[0] == "isatty: stdout=True stderr=True fd1=True fd2=True"
            assert rows[1] == f"columns: {width}"  # its terminal is as wide as the pane
            assert rows[2] == "red bold green black on yellow"
            assert style_of(out, 2, "red").color.number == RED
            assert style_of(out, 2, "bold green").bold
            assert style_of(out, 2, "bold green").color.number == GREEN
            assert style_of(out, 2, "black on yellow").bgcolor.number == YELLOW
            # the progress bar is one line, in its last state
            assert rows[3] == "progress [##########] 100%"
            assert "progress [" not in out.text.replace("progress [##########] 100%", "")
            # the long line wraps at the pane's width, nothing is cut
            long = "long: " + "".join(str(i % 10) for i in range(150))
            assert rows[4] == long[:width]
            assert "".join(rows[4:7]).startswith(long[: 3 * width])
            assert long in out.text
            rich_row = next(i for i, row in enumerate(rows) if "rich sees a terminal" in row)
            assert style_of(out, rich_row, "rich").bold
            assert style_of(out, rich_row, "rich").color.number == MAGENTA
            assert style_of(out, rich_row + 1, "warning").color.number == RED  # stderr stays apart, in red
            assert "\x1b" not in out.text  # no escape is ever drawn


async def test_descriptor_output_and_child_processes_see_the_terminal(terminal_env, tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "children.py",
        f"""\
        import os, subprocess, sys
        os.write(1, b"\\x1b[34mfd blue\\x1b[0m\\n")
        child = "import os, sys, time; print('child tty', os.isatty(1), os.get_terminal_size().columns); " \\
            "time.sleep(0.2); " \\
            "sys.stderr.write('child stderr tty %s\\\\n' % os.isatty(2)); time.sleep(0.2); print('child stdin', repr(sys.stdin.read()))"
        subprocess.run([{sys.executable!r}, "-c", child], check=True)
        print("after the child")
        with open(sys.stdout.fileno(), "w", closefd=False) as f:
            f.write("through fileno\\n")
        print("done")  # stop
        """,
    )
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    with program_terminal(app):
        async with app.run_test(size=(150, 42)) as pilot:
            await wait_stopped(pilot, stop)
            out = app.main.output
            await app_until(pilot, lambda: "through fileno" in out.text, what="the descriptors' output")
            width = out.scrollable_content_region.width
            rows = shown(out)
            assert f"child tty True {width}" in rows
            assert "child stderr tty True" in rows
            assert "child stdin ''" in rows  # end of file, not the app's keyboard
            # the program's order: what the child wrote comes before the program's next print
            after = rows.index("after the child")
            assert rows.index("child stdin ''") < after
            assert rows.index("child stderr tty True") < after
            blue = rows.index("fd blue")
            assert style_of(out, blue, "fd blue").color.number == BLUE
            assert style_of(out, rows.index("child stderr tty True"), "child").color.number == RED


async def test_what_went_to_the_descriptors_comes_before_the_next_print(terminal_env, tmp_path: Path) -> None:
    """The pseudo-terminal's reader needs the interpreter to hand its bytes on; a busy program (or a busy app)
    keeps it waiting. The program's next print still comes after them, as in a terminal."""
    prog = write(
        tmp_path,
        "order.py",
        """\
        import os, sys, time
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.5)  # this thread keeps the interpreter, the reader waits
        try:
            for i in range(50):
                os.write(1, b"fd line %d\\n" % i)
            started = time.monotonic()
            while time.monotonic() - started < 0.05:
                pass
            print("after the writes")
        finally:
            sys.setswitchinterval(interval)
        x = 1  # stop
        """,
    )
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    with program_terminal(app):
        async with app.run_test(size=(150, 42)) as pilot:
            await wait_stopped(pilot, stop)
            await app_until(pilot, lambda: "fd line 49" in app.main.output.text)
            lines = app.main.output.text.splitlines()
            assert lines.index("after the writes") == 50
