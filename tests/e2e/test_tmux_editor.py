"""`E` in the source view hands the real terminal to $EDITOR at the cursor line, and the app comes back when the
editor exits (the installed command, in tmux)."""

from __future__ import annotations

import sys

import pytest
from tmuxterm import Terminal, needs_tmux

pytestmark = [*needs_tmux, pytest.mark.usefixtures("shop_demo")]


def test_E_suspends_the_app_for_the_editor_and_resumes_after(term: Terminal, monkeypatch) -> None:
    record = term.tmp / "argv.txt"
    editor = term.tmp / "editor.py"
    editor.write_text(
        "import sys\n"
        f"open({str(record)!r}, 'w').write(' '.join(sys.argv[1:]))\n"
        "print('EDITOR HAS THE TERMINAL', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")  # the tmux server, and so the app, inherit it
    monkeypatch.delenv("VISUAL", raising=False)
    term.start("--stop-on-entry", "shop_demo.py")
    term.wait_for("stopped  Entry")
    term.keys("Down", "Down")
    term.keys("E")
    screen = term.wait_for("EDITOR HAS THE TERMINAL")
    assert "Call stack" not in screen  # the app gave the terminal away (suspended), not drawn over it
    assert record.read_text().split() == ["+3", str(term.tmp / "shop_demo.py")]
    term.keys("Enter")  # the editor exits
    screen = term.wait_for("Call stack")
    assert "F5 Continue" in screen
    assert "stopped  Entry" in screen
    term.keys("q")
    term.wait_for("Quit dapper-tui?")
    term.keys("y")
    term.exit_status()
