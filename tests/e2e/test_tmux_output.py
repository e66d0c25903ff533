"""End to end: the installed `dapper-tui` in tmux gives the program a terminal: its colours reach the user's
terminal inside the Output pane, whose borders stay in place; `O` shows the output full-screen."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tmuxterm import Terminal, needs_tmux

pytestmark = needs_tmux

PROGRAM = Path(__file__).resolve().parents[1] / "tui" / "programs" / "terminal_output.py"
ESCAPE = re.compile(r"\x1b\[([0-9;]*)m")


def output_rows(screen: str) -> list[str]:
    """The Output pane's rows: what is between its side borders, under its title."""
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if "─ Output ─" in line)
    left = lines[top].index("╭─ Output")
    right = lines[top].index("╮", left)
    return [line[left + 1 : right].rstrip() for line in lines[top + 1 :] if len(line) > right]


def sgr_before(line: str, word: str) -> list[str]:
    """The SGR parameters a `capture-pane -e` line sets right before `word` (as drawn, escapes removed)."""
    plain, at = "", {}
    pos = 0
    for m in ESCAPE.finditer(line):
        plain += line[pos : m.start()]
        at.setdefault(len(plain), []).extend(m.group(1).split(";"))
        pos = m.end()
    plain += line[pos:]
    return at.get(plain.index(word), [])


def test_the_program_colours_the_terminal_inside_the_output_pane(term: Terminal) -> None:
    shutil.copy(PROGRAM, term.tmp / PROGRAM.name)
    term.start("--stop-on-entry", PROGRAM.name)
    term.wait_for("stopped  Entry")
    term.keys("F5")
    screen = term.wait_for("The program exited with code 0")
    term.keys("Escape")  # stay, to read the output
    screen = term.wait_for("[program exited with code 0]")
    rows = output_rows(screen)
    assert rows[0] == "isatty: stdout=True stderr=True fd1=True fd2=True"
    width = int(rows[1].removeprefix("columns: "))
    assert rows[2] == "red bold green black on yellow"
    assert rows[3] == "progress [##########] 100%"
    long = "long: " + "".join(str(i % 10) for i in range(150))
    assert rows[4] == long[:width]
    # every row of the pane ends at its right border: no escape sequence displaced it
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if "─ Output ─" in line)
    right = lines[top].index("╮")
    assert all(line[right] in "│╯" for line in lines[top + 1 : top + 12])
    # the colours reach the terminal: each word in the SGR the program asked for, not the plain text's
    captured = term.tmux("capture-pane", "-p", "-e").splitlines()
    coloured = next(line for line in captured if "red bold green" in ESCAPE.sub("", line))
    plain = next(line for line in captured if "isatty: stdout" in ESCAPE.sub("", line))
    red = sgr_before(coloured, "red bold green")
    assert red
    assert red != sgr_before(plain, "isatty: stdout")
    assert "1" in sgr_before(coloured, "bold green")  # bold
    assert sgr_before(coloured, "black on yellow") != red
    # O: the output alone on the screen, the program's long line in fewer rows
    term.keys("O")
    screen = term.wait_for(long[: width + 40])
    assert "Call stack" not in screen
    term.keys("O")
    screen = term.wait_for("Call stack")
    term.keys("q")
    term.wait_for("Quit")
    term.keys("y")
    assert term.exit_status() == 0
