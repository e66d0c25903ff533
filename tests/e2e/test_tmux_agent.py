"""End to end: `dapper-tui agent DIR` (the installed command) in tmux with the scripted model. Send a /call,
edit the tool file, send it again: the new result appears and the earlier turn is still in the thread."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

COMMAND = Path(sys.executable).parent / "dapper-tui"
TOOL = '''
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"
'''


def _tmux(socket: str, *args: str) -> str:
    out = subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, check=False)
    return out.stdout


def _wait(socket: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        screen = _tmux(socket, "capture-pane", "-p")
        if text in screen:
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared; the screen:\n{screen}")
        time.sleep(0.1)


def _send(socket: str, message: str) -> None:
    """Type a message into the composer and send it once it shows there: under load the app may still be
    mounting the composer when the first keys arrive, and keys sent then are lost."""
    for _ in range(5):
        _tmux(socket, "send-keys", message)
        try:
            _wait(socket, message, timeout=5.0)
        except AssertionError:
            _tmux(socket, "send-keys", "C-u")  # clear whatever part arrived, then type it again
            continue
        _tmux(socket, "send-keys", "Enter")
        return
    raise AssertionError(f"{message!r} never showed in the composer")


def test_agent_console_edit_a_tool_and_call_it_again(tmp_path: Path) -> None:
    project = tmp_path / "agent"
    subprocess.run([str(COMMAND), "agent", "init", str(project)], check=True, capture_output=True)
    (project / "src/tools/shout.py").write_text(TOOL)
    socket = f"dapper-agent-{uuid.uuid4().hex[:8]}"
    env = f"env -u COLUMNS -u LINES XDG_STATE_HOME={shlex.quote(str(tmp_path / 'state'))} TERM=xterm-256color"
    _tmux(socket, "new-session", "-d", "-x", "150", "-y", "40", f"{env} {COMMAND} agent {project}")
    try:
        _wait(socket, "revision 1")
        _send(socket, '/call shout {"text": "one"}')
        _wait(socket, "✓ ONE!")
        (project / "src/tools/shout.py").write_text(TOOL.replace('"!"', '"!!!"'))
        _wait(socket, "revision 2")
        _send(socket, '/call shout {"text": "two"}')
        screen = _wait(socket, "✓ TWO!!!")
        assert "✓ ONE!" in screen  # the history stayed
        assert "r1 tool shout" in screen
        assert "r2 tool shout" in screen
        _tmux(socket, "send-keys", "C-q")
    finally:
        _tmux(socket, "kill-server")
