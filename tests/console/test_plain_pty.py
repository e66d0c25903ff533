"""`dapper-tui --plain` driven through a pseudo-terminal, keys in and screen text out."""

from __future__ import annotations

import re
import signal
import textwrap
from pathlib import Path

from helpers import write

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
    return write(tmp_path, "prog.py", PROGRAM.lstrip("\n")), write(tmp_path, "shapes.py", SHAPES.lstrip("\n"))


def test_breakpoint_print_step_reload_input_quit(terminal, tmp_path: Path) -> None:
    _prog, shapes = _write(tmp_path)
    t = terminal("--stop-on-entry", "prog.py")
    t.expect(r"\[Entry\]")
    t.expect(r"prog\.py:1 in <module>")
    t.prompt()
    t.command("b shapes.py:2", r"Breakpoint 1 at .*shapes\.py:2")
    t.command("c", r"\[Breakpoint at shapes\.py:2\]", r"-> return n \* 10")
    t.command('p [n, "x" * 3]', r"\[0, 'xxx'\]")
    t.keys("\x1b[A")  # history: the last command again
    t.expect(r'p \[n, "x" \* 3\]')
    t.command("", r"\[0, 'xxx'\]")
    t.keys("wh\t")  # completion: `wh` -> `where`
    t.expect("where")
    t.command("", r"> .*shapes\.py:2 in area\(\)\n  .*prog\.py:6 in main\(\)")
    t.send("r")
    t.expect(r"\[Step\]")
    line = t.expect(r"prog\.py:([67]) in main\(\)").group(1)  # the call line, or the next one (3.11)
    t.prompt()
    t.command("l", rf"\n\s*{line} ->\s+(total|print)")
    shapes.write_text("def area(n):\n    return n * 1000\n")
    t.command("reload shapes.py", r"reloaded shapes")
    t.command("p shapes.area(2) + 1", r"\b2001\n")
    t.command("cl", "deleted all breakpoints")
    t.send("c")
    t.expect(r"area 0\narea 1000\narea 2000\n")
    t.expect(r"name\? ")
    t.send("bob")
    t.expect(r"hello bob 3000")
    t.expect(r"exited with code 0")
    t.expect(r"\(dapper:exited\) ")
    assert t.quit() == 0


def test_step_next_display_args_and_threads(terminal, tmp_path: Path) -> None:
    _prog, _ = _write(tmp_path)
    t = terminal("--stop-on-entry", "prog.py")
    t.prompt()
    t.command("b 6, i == 2", r"Breakpoint 1 at .*prog\.py:6")
    t.command("c", r"\[Breakpoint at prog\.py:6\]")
    t.command("display [i, total]", r"display \[i, total\]: \[2, 10\]")
    t.command("s", r"shapes\.py:2 in area\(\)", r"display \[i, total\]: \*\*\* NameError")
    t.command("a", r"\bn = 2\n")
    t.command("u", r"prog\.py:6 in main\(\)")
    t.command("p f'<{total}>'", r"'<10>'")
    t.command("d", r"shapes\.py:2 in area\(\)")
    t.send("!n = 5")  # written into the running frame: area(2) returns 50
    t.prompt()
    t.command("threads", r"\* \d+\s+MainThread\s+stopped")
    t.command("n", r"\[Step\]")
    t.command("cl 1", "deleted breakpoint 1")
    t.send("c")
    t.expect(r"name\? ")
    t.send("al")
    t.expect(r"hello al 60")
    t.expect(r"exited with code 0")
    assert t.quit() == 0


def test_help_unknown_and_quit_while_stopped(terminal, tmp_path: Path) -> None:
    _write(tmp_path)
    t = terminal("--stop-on-entry", "prog.py")
    t.prompt()
    t.command("help", r"reload \[file\]\s+hot-reload a file")
    t.command("b nosuchfile.py:3", r"\*\*\* nosuchfile\.py: no such file")
    t.command("p undefined_name", r"\*\*\* NameError")
    assert t.quit() == 1  # quitting ends the stopped program: exit code 1


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
    t = terminal("prog.py").at_entry()  # stop on entry is the default
    t.command("b 6", r"Breakpoint 1 at .*prog\.py:6")
    t.command("b 2", r"Breakpoint 2 at .*prog\.py:2")
    t.command("c", r"\[Breakpoint at prog\.py:2\]")
    prog.write_text("# one\n# two\n" + textwrap.dedent(RELOADED).lstrip())  # every line moves down by 2
    t.send("reload")
    start = t.pos
    t.expect(r"reloaded")
    t.prompt()
    shown = t.text[start : t.pos]
    assert "breakpoint 1 changed: prog.py:8" in shown, shown
    assert "breakpoint 2 changed: prog.py:4" in shown, shown
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
    t.command("restart", r"\[Entry\]")
    t.command("c", r"\[Breakpoint at prog\.py:7\]")
    t.command("c", r"\[Breakpoint at prog\.py:4\]", r"-> return i \* 2")
    assert t.quit() == 1  # quitting ends the stopped program: exit code 1


def test_colours_on_a_terminal(terminal, tmp_path: Path) -> None:
    _write(tmp_path)
    t = terminal("prog.py").at_entry()
    t.command("l", r"1 ->\s+import shapes")
    assert t.quit() == 1  # quitting ends the stopped program: exit code 1
    raw = t.raw.decode("utf-8", "replace")
    assert "\x1b[1;32m> " in raw  # the stop location, bold green
    assert "\x1b[33m-> import shapes" in raw  # the current line, yellow
    assert "\x1b[33m   1 -> import shapes" in raw  # and in a listing
    assert re.search(r"\x1b\[[0-9;]*\b36\b[0-9;]*m\(dapper\) ", raw), raw[-500:]  # the prompt, cyan


def test_history_outlives_the_session(terminal, tmp_path: Path) -> None:
    _write(tmp_path)
    first = terminal("prog.py")
    first.prompt()
    first.command("p 6 * 7", r"\b42\n")
    assert first.quit() == 1  # quitting ends the stopped program: exit code 1
    saved = tmp_path / "state" / "dapper-tui" / "plain_history"
    assert "p 6 * 7" in saved.read_text()

    second = terminal("prog.py")
    second.prompt()
    second.keys("\x1b[A\x1b[A")  # the previous session's last command (q), and the one before it
    second.command("", r"\b42\n")
    assert second.quit() == 1  # quitting ends the stopped program: exit code 1


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
        if n == 1:
            print("spinning")
        time.sleep(0.01)
    """


def test_the_program_has_the_main_thread_and_sigint_pauses_it(terminal, tmp_path: Path) -> None:
    write(tmp_path, "sig.py", SIGNALS.lstrip("\n"))
    t = terminal("--no-stop-on-entry", "sig.py")
    t.expect(r"\(dapper:idle\) ")
    t.send("c")
    t.expect(r"main thread: True")
    t.expect(r"handled: True")
    t.expect(r"spinning")
    t.proc.send_signal(signal.SIGINT)  # what Ctrl+C on the controlling terminal sends
    t.expect(r"sig\.py:\d+ in <module>")
    t.prompt()
    t.send("p n > 0")
    t.expect(r"True")
    assert "KeyboardInterrupt" not in t.text
