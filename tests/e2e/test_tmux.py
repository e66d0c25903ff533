"""End to end: the INSTALLED `dapper-tui` command, in a real terminal (tmux), driven by keys like a user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import line_of, wait_until
from tmuxterm import Terminal, needs_tmux

pytestmark = [*needs_tmux, pytest.mark.usefixtures("shop_demo")]


def test_launch_stop_step_inspect_continue_to_exit(term: Terminal) -> None:
    term.start("--stop-on-entry", "shop_demo.py")
    term.wait_for("stopped  Entry")
    screen = term.wait_for("F11 Into")  # the footer, at the terminal's full width
    assert "Call stack" in screen
    assert "Variables" in screen
    assert "F5 Continue" in screen
    # step over the imports and the first assignments (VS Code and pudb keys)
    for key, line in (("F10", 6), ("n", 7), ("n", 9), ("n", 11), ("n", 14)):
        term.keys(key)  # a step key pressed while the program runs is refused: wait for each stop
        term.wait_for(f"<module>  shop_demo.py:{line} ")
    screen = term.wait_for("stock [3] = {'apple': 10, 'pear': 4")  # a container's length, by its name
    # evaluate an expression in the stopped frame
    term.keys("e")
    term.wait_for("Evaluate in <module>")
    term.type("stock['pear'] * 2")
    term.keys("Enter")
    term.wait_for("» stock['pear'] * 2")
    screen = term.wait_for("8")
    term.keys("Escape")  # the evaluate shell stays open for more until Escape
    term.wait_for("F5 Continue")
    # continue to the end: the program's output, then the exit code with a restart offer
    term.keys("F5")
    term.wait_for("The program exited with code 0")
    screen = term.wait_for("takings: 126.72")  # the Output pane may repaint a frame after the dialog
    assert "ada pays 36.00" in screen
    assert "grace pays 45.36" in screen  # 10% off above 40
    term.keys("q")  # quit from the exit dialog
    assert term.exit_status() == 0  # dapper-tui returns the program's exit code


def test_edit_and_save_while_stopped_then_continue_runs_the_new_code(term: Terminal) -> None:
    program = term.tmp / "shop_demo.py"
    line = line_of(program, "total = cart.total()")
    _remember_breakpoint(term.tmp, program, program, line)
    term.start("--no-stop-on-entry", "shop_demo.py")
    term.wait_for(f"Breakpoint at shop_demo.py:{line}")
    # edit a helper module and save it, as an editor would
    pricing = term.tmp / "shop" / "pricing.py"
    edited = pricing.read_text().replace("return round(amount * (1 + TAX_RATE), 2)", "return 1000.0")

    def saved_and_applied() -> (
        str
    ):  # saved again until the watcher (it starts after the first paint) applies it
        pricing.write_text(edited)
        screen = term.screen()
        return screen if "applied" in screen else ""

    screen = wait_until(saved_and_applied, 30, term.screen, interval=1.0)
    assert "shop.pricing" in screen
    term.keys("b")  # remove the breakpoint on the current line, then run to the end
    term.keys("c")
    screen = term.wait_for("The program exited with code 0")
    assert "ada pays 1000.00" in screen
    assert "takings: 3000.00" in screen


def test_output_below_sys_stdout_goes_to_the_output_pane(term: Terminal) -> None:
    """A child process, os.write and C-level stderr reach the Output pane, never the app's screen."""
    (term.tmp / "lowlevel.py").write_text(
        "import os, subprocess, sys\n"
        "os.system('echo FROM-A-SHELL')\n"
        "os.write(1, b'RAW-FD-ONE\\n')\n"
        "subprocess.run([sys.executable, '-c', 'import sys; sys.stderr.write(\"CHILD-STDERR\\\\n\")'])\n"
        "print('from print')\n"
    )
    term.start("--no-stop-on-entry", "lowlevel.py")
    term.wait_for("The program exited with code 0")
    screen = term.wait_for("from print")  # the pane under the exit question may be drawn a frame later
    lines = screen.splitlines()
    for text in ("FROM-A-SHELL", "RAW-FD-ONE", "CHILD-STDERR", "from print"):
        assert text in screen, screen
        # inside the Output pane's border, not written over the top of the screen
        line = next(line for line in lines if text in line)
        assert line.lstrip().startswith(("│", "┃", "▌", "|")) or "│" in line.split(text)[0], screen
    assert not any(line.startswith(("FROM-A-SHELL", "RAW-FD-ONE", "CHILD-STDERR")) for line in lines), screen
    term.keys("q")
    assert term.exit_status() == 0


def _remember_breakpoint(tmp: Path, program: Path, path: Path, line: int) -> None:
    """A breakpoint remembered from an earlier session of the project (how a user's breakpoints come back)."""
    env_before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp / "state")
    try:
        from dapper_tui.engine.persist import ProjectState

        state = ProjectState.load(program)
        state.breakpoints = {str(path.resolve()): [{"line": line}]}
        state.save()
    finally:
        if env_before is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = env_before


def test_reload_then_restart_the_frame_from_the_call_stack(term: Terminal) -> None:
    """Stop in a function, change its loop header (the frame cannot continue in that code), reload with R,
    restart the frame with the call stack's key, continue: the call answers once, from the new code."""
    main = term.tmp / "main.py"
    calc = term.tmp / "calc.py"
    main.write_text('import calc\n\nprint("result", calc.total(4))\nprint("done")\n')
    calc.write_text(
        "def total(n):\n"
        "    acc = 0  # first line\n"
        "    for i in range(n):\n"
        "        acc += i  # loop line\n"
        "    return acc\n"
    )
    loop = line_of(calc, "# loop line")
    _remember_breakpoint(term.tmp, main, calc, loop)
    term.start("--no-stop-on-entry", "main.py")
    term.wait_for(f"Breakpoint at calc.py:{loop}")
    term.keys("b")  # the breakpoint off (the cursor is on the stopped line): the restarted loop runs through
    term.wait_for("F9 / b: add")  # the Breakpoints pane is empty
    calc.write_text(
        calc.read_text().replace("range(n)", "range(n + 1)").replace("acc += i ", "acc += i * 100 ")
    )
    term.keys("R")
    # the reload log offers the restart: the stopped frame keeps its old code (a changed loop header)
    term.wait_for("keeps its old code")
    term.wait_for("[old code]")  # on the call stack
    term.focus_pane_with_key("a Restart frame")  # the call stack (the reload log adds its f Scope filter)
    term.keys("a")
    screen = term.wait_for("Frame restarted")
    assert f"total  calc.py:{line_of(calc, '# first line')}" in screen, screen
    term.keys("c")
    screen = term.wait_for("The program exited with code 0")
    screen = term.wait_for("done")  # the Output pane may repaint a frame after the dialog
    assert "result 1000" in screen, screen  # total(4) in the new code: 0 + 100 + 200 + 300 + 400
    assert screen.count("result ") == 1, screen  # once: not the old loop's 6 as well
    term.keys("q")
    assert term.exit_status() == 0
