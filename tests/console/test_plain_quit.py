"""`--plain`: what quitting says and the exit code it ends with. The rule (as in the TUI): the program's own exit
code if it ended by itself, 1 if quitting ended it; quitting never offers a restart it does not wait for."""

from __future__ import annotations

from pathlib import Path

from helpers import write

PROGRAM = """\
import sys
x = 1
print("before exit")
sys.exit(3)
"""


def test_q_while_stopped_says_the_program_is_ended_and_exits_with_1(terminal, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", PROGRAM)
    t = terminal("prog.py").at_entry()
    t.send("q")
    t.expect(r"the program is stopped at prog\.py:1 and is ended; dapper-tui exits with code 1")
    t.expect(r"The program was ended\.")
    assert t.close() == 1
    assert "`restart` runs it again" not in t.text  # no offer that nobody waits for


def test_at_the_end_the_prompt_waits_and_q_gives_the_programs_exit_code(terminal, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", PROGRAM)
    t = terminal("prog.py").at_entry()
    t.send("c")
    t.expect(r"before exit\n")
    t.expect(r"The program exited with code 3\. `restart` runs it again, `q` quits\.")
    t.expect(r"\(dapper:exited\) ")  # the prompt waits for the choice
    t.command("restart", r"\[Entry\]")  # restart, as offered
    t.send("c")
    t.expect(r"The program exited with code 3\.")
    t.expect(r"\(dapper:exited\) ")
    assert t.quit() == 3
