"""`dapper-tui --plain` driven through a pseudo-terminal, keys in and screen text out."""

from __future__ import annotations

import re
import signal
import textwrap
import time
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
    t.expect(r"\* \d+\s+MainThread\s+stopped")
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


RELOADED = """
    def f(i):
        return i * 2                             # in f

    for i in range(3):
        x = f(i)
        print("x", x)                            # print line
    """


def test_breakpoints_follow_a_reload_that_moves_them(terminal, tmp_path: Path) -> None:
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent(RELOADED).lstrip())
    t = terminal("prog.py")  # stop on entry is the default
    t.expect(r"\[Entry\]")
    t.prompt()
    t.send("b 6")
    t.expect(r"Breakpoint 1 at .*prog\.py:6")
    t.prompt()
    t.send("b 2")
    t.expect(r"Breakpoint 2 at .*prog\.py:2")
    t.prompt()
    t.send("c")
    t.expect(r"\[Breakpoint at prog\.py:2\]")
    t.prompt()
    prog.write_text("# one\n# two\n" + textwrap.dedent(RELOADED).lstrip())  # every line moves down by 2
    t.send("reload")
    start = t.pos
    t.expect(r"reloaded")
    t.prompt()
    shown = t.text[start : t.pos]
    assert "breakpoint 1 changed: prog.py:8" in shown and "breakpoint 2 changed: prog.py:4" in shown, shown
    t.send("b 7")  # sends the file's whole list again: the moved ones must not go back to 2 and 6
    t.expect(r"Breakpoint 3 at .*prog\.py:7")
    t.prompt()
    t.send("b")
    # the listing may arrive in pieces: wait for all three rows
    listing = t.expect(r"(?s)(?:.*?\S+prog\.py:\d+\s+hits \d+\n){3}").group(0)
    rows = sorted((int(n), int(line)) for n, line in re.findall(r"(\d+)\s+\S+prog\.py:(\d+)\s+hits", listing))
    assert rows == [(1, 8), (2, 4), (3, 7)], listing
    t.prompt()
    # restart sets the console's own list on a fresh session: the program stops at the moved lines
    t.send("restart")
    t.expect(r"\[Entry\]")
    t.prompt()
    t.send("c")
    t.expect(r"\[Breakpoint at prog\.py:7\]")
    t.prompt()
    t.send("c")
    t.expect(r"\[Breakpoint at prog\.py:4\]")
    t.expect(r"-> return i \* 2")
    t.prompt()
    t.send("q")
    assert t.close() == 0


def test_colours_on_a_terminal(terminal, tmp_path: Path) -> None:
    _write(tmp_path)
    t = terminal("prog.py")
    t.expect(r"\[Entry\]")
    t.prompt()
    t.send("l")
    t.expect(r"1 ->\s+import shapes")
    t.prompt()
    t.send("q")
    assert t.close() == 0
    raw = t.raw.decode("utf-8", "replace")
    assert "\x1b[1;32m> " in raw  # the stop location, bold green
    assert "\x1b[33m-> import shapes" in raw  # the current line, yellow
    assert "\x1b[33m   1 -> import shapes" in raw  # and in a listing
    assert re.search(r"\x1b\[[0-9;]*\b36\b[0-9;]*m\(dapper\) ", raw), raw[-500:]  # the prompt, cyan


def test_history_outlives_the_session(terminal, tmp_path: Path) -> None:
    _write(tmp_path)
    first = terminal("prog.py")
    first.prompt()
    first.send("p 6 * 7")
    first.expect(r"\b42\n")
    first.prompt()
    first.send("q")
    assert first.close() == 0
    saved = tmp_path / "state" / "dapper-tui" / "plain_history"
    assert "p 6 * 7" in saved.read_text()

    second = terminal("prog.py")
    second.prompt()
    second.keys("\x1b[A\x1b[A")  # the previous session's last command (q), and the one before it
    second.send("")
    second.expect(r"\b42\n")
    second.prompt()
    second.send("q")
    assert second.close() == 0


SIGNALS = """
    import signal, threading, time
    print("main thread:", threading.current_thread() is threading.main_thread())
    got = []
    signal.signal(signal.SIGUSR1, lambda signum, frame: got.append(signum))
    signal.raise_signal(signal.SIGUSR1)
    print("handled:", got == [signal.SIGUSR1])
    n = 0
    while True:
        n += 1  # spin
        time.sleep(0.01)
    """


def test_the_program_has_the_main_thread_and_sigint_pauses_it(terminal, tmp_path: Path) -> None:
    (tmp_path / "sig.py").write_text(textwrap.dedent(SIGNALS).lstrip())
    t = terminal("--no-stop-on-entry", "sig.py")
    t.expect(r"\(dapper:idle\) ")
    t.send("c")
    t.expect(r"main thread: True")
    t.expect(r"handled: True")
    time.sleep(0.3)
    t.proc.send_signal(signal.SIGINT)  # what Ctrl+C on the controlling terminal sends
    t.expect(r"sig\.py:\d+ in <module>")
    t.prompt()
    t.send("p n > 0")
    t.expect(r"True")
    assert "KeyboardInterrupt" not in t.text
