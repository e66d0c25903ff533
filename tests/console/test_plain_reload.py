"""`dapper-tui --plain` after a hot reload and across runs: breakpoints keep firing in reloaded functions, a
save reloads (at once when stopped, at the next stop while running), and breakpoints come back on the next run
at the lines the code has moved them to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import write
from ptyterm import Terminal

PROGRAM = """
    import shapes

    def main():
        for i in range(4):
            print("area", shapes.area(i))

    main()
    """
SHAPES = """
    def area(n):
        k = n * 10                               # k line
        return k
    """
# two lines added above the breakpoint line, which moves from 2 to 4; the new code returns n * 100
SHAPES_EDITED = """
    def area(n):
        print("new code")
        n = n * 10
        k = n * 10                               # k line
        return k
    """


def _write(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path, "prog.py", PROGRAM.lstrip("\n")), write(tmp_path, "shapes.py", SHAPES.lstrip("\n"))


def _stopped_in_area(terminal, tmp_path: Path) -> tuple[Terminal, Path]:
    """The program started, with a breakpoint in area() (shapes.py:2), stopped there; the terminal and shapes.py."""
    _prog, shapes = _write(tmp_path)
    t = terminal("prog.py").at_entry()
    t.command("b shapes.py:2", r"Breakpoint 1 at")
    t.command("c", r"\[Breakpoint at shapes\.py:2\]")
    return t, shapes


def _edit(path: Path, text: str) -> None:
    write(path.parent, path.name, text.lstrip("\n"))


@pytest.mark.parametrize(
    ("command", "stop", "n"),
    [
        # the line breakpoint moved with its line (2 -> 4): the new code's first lines ran, n is 1 * 10
        ("b shapes.py:2", r"\[Breakpoint at shapes\.py:4\]\n.*\n-> k = n \* 10", 10),
        # the function breakpoint stops at the new code's first line
        ("b area", r"\[Function breakpoint area\]\n.*\n-> print\(\"new code\"\)", 1),
    ],
    ids=["line", "function"],
)
def test_a_breakpoint_in_a_reloaded_function_keeps_firing(terminal, tmp_path: Path, command, stop, n) -> None:
    _prog, shapes = _write(tmp_path)
    t = terminal("prog.py").at_entry()
    t.command(command, r"Breakpoint 1 at")
    t.command("c", r"\[(Function b|B)reakpoint.*\]", r"-> k = n \* 10")
    _edit(shapes, SHAPES_EDITED)
    t.command("reload shapes.py", r"reloaded shapes")
    t.send("c")  # the running call finishes on its old code; the next call runs the new code, and stops
    t.expect(r"area 0\n")
    t.expect(stop)
    t.prompt()
    t.send("p n")
    t.expect(rf"\b{n}\n")  # the second call
    t.prompt()
    assert t.quit() == 1  # quitting ends the stopped program: exit code 1


def test_a_save_while_stopped_reloads_and_prints_the_result(terminal, tmp_path: Path) -> None:
    t, shapes = _stopped_in_area(terminal, tmp_path)
    _edit(shapes, SHAPES_EDITED)  # no command: the save itself reloads
    t.expect(r"breakpoint 1 changed: shapes\.py:4")
    t.expect(r"reloaded shapes; changed area")
    t.command("p area.__code__.co_firstlineno, area(1)", r"\(1, 100\)")
    # after `restart` (a fresh engine session) saves still reload
    t.command("restart", r"\[Entry\]")
    t.command("c", r"\[Breakpoint at shapes\.py:4\]")
    _edit(shapes, SHAPES_EDITED.replace("n * 10\n", "n * 7\n", 1))
    t.expect(r"reloaded shapes; changed area")
    t.command("p area(1)", r"\b70\n")
    assert t.quit() == 1  # quitting ends the stopped program: exit code 1


WAITING = """
    import os
    import time

    import shapes

    print("waiting for go")
    while not os.path.exists("go"):
        time.sleep(0.02)
    print("area", shapes.area(3))                # stop here
    """


def test_a_save_while_running_is_applied_at_the_next_stop(terminal, tmp_path: Path) -> None:
    _prog, shapes = _write(tmp_path)
    _edit(tmp_path / "prog.py", WAITING)
    t = terminal("prog.py").at_entry()
    t.command("b 9", r"Breakpoint 1 at .*prog\.py:9")
    t.send("c")
    t.expect(r"waiting for go\n")
    _edit(shapes, SHAPES_EDITED)
    t.expect(r"shapes\.py: saved while the program runs: it will reload at the next stop")
    (tmp_path / "go").write_text("")
    t.expect(r"\[Breakpoint at prog\.py:9\]")
    t.expect(r"reloaded shapes; changed area")
    t.prompt()  # the prompt comes after the reload it waited for
    t.send("c")
    t.expect(r"new code\narea 300\n")
    t.expect(r"exited with code 0")
    assert t.quit() == 0


def test_breakpoints_come_back_on_the_next_run(terminal, tmp_path: Path) -> None:
    _write(tmp_path)
    first = terminal("prog.py").at_entry()
    first.command("b shapes.py:2, n == 2", r"Breakpoint 1 at")
    first.command("b main", r"Breakpoint 2 at function main")
    assert first.quit() == 1  # quitting ends the stopped program: exit code 1

    second = terminal("prog.py")
    second.expect(r"breakpoints kept from the last session: shapes\.py:2, function main")
    second.expect(r"\[Entry\]")
    second.prompt()
    second.command("c", r"\[Function breakpoint main\]")
    second.command("c", r"\[Breakpoint at shapes\.py:2\]")
    second.send("p n")
    second.expect(r"\b2\n")  # the condition came back too
    second.prompt()
    second.command("cl", "deleted all breakpoints")
    assert second.quit() == 1  # quitting ends the stopped program: exit code 1

    third = terminal("prog.py").at_entry()
    third.send("c")
    third.expect(r"exited with code 0")
    assert third.quit() == 0


def test_a_breakpoint_moved_by_a_reload_comes_back_at_its_new_line(terminal, tmp_path: Path) -> None:
    first, shapes = _stopped_in_area(terminal, tmp_path)
    _edit(shapes, SHAPES_EDITED)
    first.command("reload shapes.py", r"reloaded shapes")
    first.proc.kill()  # no clean exit: the reload itself saved the moved breakpoint
    first.proc.wait()
    [saved] = json.loads(next((tmp_path / "state" / "dapper-tui").glob("*.json")).read_text())[
        "breakpoints"
    ].values()
    assert saved == [{"line": 4}]

    second = terminal("prog.py").at_entry()
    second.command("c", r"\[Breakpoint at shapes\.py:4\]", r"-> k = n \* 10")
    assert second.quit() == 1  # quitting ends the stopped program: exit code 1


def test_restart_frame_runs_the_function_again_in_the_new_code(terminal, tmp_path: Path) -> None:
    t, shapes = _stopped_in_area(terminal, tmp_path)
    t.send("u")  # a caller frame cannot be restarted: the reason comes back
    t.prompt()
    t.command("rf", r"waiting for a call")
    t.command("d")
    _edit(shapes, SHAPES_EDITED)
    t.expect(r"reloaded shapes")
    t.send("rf")
    t.expect(r"-> print\(\"new code\"\)")  # stopped again at the new code's first line
    t.prompt()
    t.command("cl")
    t.send("c")
    t.expect(r"new code\n")
    t.expect(r"area 0\n")
    t.expect(r"area 100\n")  # the next call: new code too
    t.send("q")
    t.close()


def test_an_old_code_frame_shows_the_line_it_really_runs(terminal, tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text("import loop\n\nprint('total', loop.total(3))\n")
    loop = tmp_path / "loop.py"
    loop.write_text(
        "def total(n):\n    acc = 0\n    for i in range(n):\n        acc += i  # body\n    return acc\n"
    )
    t = terminal("prog.py").at_entry()
    t.command("b loop.py:4", r"Breakpoint 1 at")
    t.command("c", r"\[Breakpoint at loop\.py:4\]")
    # two lines above and a changed loop header: the frame keeps its old code (line 4 of the old text)
    loop.write_text(
        "# one\n# two\ndef total(n):\n    acc = 0\n    for i in range(n + 1):\n        acc += i  # body\n    return acc\n"
    )
    t.expect(r"keeps its old code")
    t.prompt()
    t.command("w", r"loop\.py:4 in total\(\)  \[old code")
    t.command("u")
    t.send("d")  # the location line shows the old text's line 4, not the new file's
    t.expect(r"-> acc \+= i  # body")
    t.prompt()
    t.command("cl")
    t.send("c")
    t.expect(r"total 3\n")
    t.send("q")
    t.close()
