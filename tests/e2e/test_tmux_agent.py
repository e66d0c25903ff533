"""End to end: `dapper-tui agent DIR` (the installed command) in tmux with the scripted model. Send a /call,
edit the tool file, send it again: the new result appears and the earlier turn is still in the thread."""

from __future__ import annotations

import subprocess

from tmuxterm import COMMAND, Terminal, needs_tmux

pytestmark = needs_tmux

TOOL = '''
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"
'''


def _send(term: Terminal, message: str) -> None:
    """Type a message into the composer and send it once it shows there: under load the app may still be
    mounting the composer when the first keys arrive, and keys sent then are lost."""
    for _ in range(5):
        term.tmux("send-keys", message)
        try:
            term.wait_for(message, timeout=5.0)
        except AssertionError:
            term.tmux("send-keys", "C-u")  # clear whatever part arrived, then type it again
            continue
        term.tmux("send-keys", "Enter")
        return
    raise AssertionError(f"{message!r} never showed in the composer")


def test_agent_console_edit_a_tool_and_call_it_again(term: Terminal) -> None:
    project = term.tmp / "agent"
    subprocess.run([str(COMMAND), "agent", "init", str(project)], check=True, capture_output=True)
    (project / "src/tools/shout.py").write_text(TOOL)
    term.start("agent", str(project))
    term.wait_for("revision 1")
    _send(term, '/call shout {"text": "one"}')
    term.wait_for("✓ ONE!")
    (project / "src/tools/shout.py").write_text(TOOL.replace('"!"', '"!!!"'))
    term.wait_for("revision 2")
    _send(term, '/call shout {"text": "two"}')
    screen = term.wait_for("✓ TWO!!!")
    assert "✓ ONE!" in screen  # the history stayed
    assert "r1 tool shout" in screen
    assert "r2 tool shout" in screen
    term.keys("C-q")
