"""`dapper-tui --plain` driven through a pseudo-terminal, keys in and screen text out."""

from __future__ import annotations

import textwrap
from pathlib import Path

PROGRAM = """
    import shapes

    def main():
        total = 0
        for i in range(3):
            total += shapes.area(i)                 # total line
            print("area", shapes.area(i))
        name = input("name? ")
        print("hello", name, total)

    main()
    """
SHAPES = """
    def area(n):
        return n * 10
    """


def _write(tmp_path: Path) -> tuple[Path, Path]:
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent(PROGRAM).lstrip())
    shapes = tmp_path / "shapes.py"
    shapes.write_text(textwrap.dedent(SHAPES).lstrip())
    return prog, shapes


def test_breakpoint_print_step_reload_input_quit(terminal, tmp_path: Path) -> None:
    _prog, shapes = _write(tmp_path)
    t = terminal("--stop-on-entry", "prog.py")
    t.expect(r"\[Entry\]")
    t.expect(r"prog\.py:1 in <module>")
    t.prompt()
    t.send("b shapes.py:2")
    t.expect(r"Breakpoint 1 at .*shapes\.py:2")
    t.prompt()
    t.send("c")
    t.expect(r"\[Breakpoint at shapes\.py:2\]")
    t.expect(r"-> return n \* 10")
    t.prompt()
    t.send('p [n, "x" * 3]')
    t.expect(r"\[0, 'xxx'\]")
    t.prompt()
    t.keys("\x1b[A")  # history: the last command again
    t.expect(r'p \[n, "x" \* 3\]')
    t.send("")
    t.expect(r"\[0, 'xxx'\]")
    t.prompt()
    t.keys("wh\t")  # completion: `wh` -> `where`
    t.expect("where")
    t.send("")
    t.expect(r"> .*shapes\.py:2 in area\(\)\n  .*prog\.py:6 in main\(\)")
    t.prompt()
    t.send("r")
    t.expect(r"\[Step\]")
    line = t.expect(r"prog\.py:([67]) in main\(\)").group(1)  # the call line, or the next one (3.11)
    t.prompt()
    t.send("l")
    t.expect(rf"\n\s*{line} ->\s+(total|print)")
    t.prompt()
    shapes.write_text("def area(n):\n    return n * 1000\n")
    t.send("reload shapes.py")
    t.expect(r"reloaded shapes")
    t.prompt()
    t.send("p shapes.area(2) + 1")
    t.expect(r"\b2001\n")
    t.prompt()
    t.send("cl")
    t.expect("deleted all breakpoints")
    t.prompt()
    t.send("c")
    t.expect(r"area 0\narea 1000\narea 2000\n")
    t.expect(r"name\? ")
    t.send("bob")
    t.expect(r"hello bob 3000")
    t.expect(r"exited with code 0")
    t.expect(r"\(dapper:exited\) ")
    t.send("q")
    assert t.close() == 0


def test_step_next_display_args_and_threads(terminal, tmp_path: Path) -> None:
    _prog, _ = _write(tmp_path)
    t = terminal("--stop-on-entry", "prog.py")
    t.prompt()
    t.send("b 6, i == 2")
    t.expect(r"Breakpoint 1 at .*prog\.py:6")
    t.prompt()
    t.send("c")
    t.expect(r"\[Breakpoint at prog\.py:6\]")
    t.prompt()
    t.send("display [i, total]")
    t.expect(r"display \[i, total\]: \[2, 10\]")
    t.prompt()
    t.send("s")
    t.expect(r"shapes\.py:2 in area\(\)")
    t.expect(r"display \[i, total\]: \*\*\* NameError")
    t.prompt()
    t.send("a")
    t.expect(r"\bn = 2\n")
    t.prompt()
    t.send("u")
    t.expect(r"prog\.py:6 in main\(\)")
    t.prompt()
    t.send("p f'<{total}>'")
    t.expect(r"'<10>'")
    t.prompt()
    t.send("d")
    t.expect(r"shapes\.py:2 in area\(\)")
    t.prompt()
    t.send("!n = 5")  # written into the running frame: area(2) returns 50
    t.prompt()
    t.send("threads")
    t.expect(r"\* \d+\s+MainThread \(program\)\s+stopped")
    t.prompt()
    t.send("n")
    t.expect(r"\[Step\]")
    t.prompt()
    t.send("cl 1")
    t.expect("deleted breakpoint 1")
    t.prompt()
    t.send("c")
    t.expect(r"name\? ")
    t.send("al")
    t.expect(r"hello al 60")
    t.expect(r"exited with code 0")
    t.send("q")
    assert t.close() == 0


def test_help_unknown_and_quit_while_stopped(terminal, tmp_path: Path) -> None:
    _write(tmp_path)
    t = terminal("--stop-on-entry", "prog.py")
    t.prompt()
    t.send("help")
    t.expect(r"reload \[file\]\s+hot-reload a file")
    t.prompt()
    t.send("b nosuchfile.py:3")
    t.expect(r"\*\*\* nosuchfile\.py: no such file")
    t.prompt()
    t.send("p undefined_name")
    t.expect(r"\*\*\* NameError")
    t.prompt()
    t.send("q")
    assert t.close() == 0
