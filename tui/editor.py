"""Open a file at a line in the user's editor ($VISUAL, $EDITOR, else vi), with the app suspended meanwhile.

Most terminal editors take `+LINE FILE` (vi, vim, nvim, nano, emacs, micro, kak, helix takes `FILE:LINE`); VS Code
and the like take `--goto FILE:LINE` (`--wait` so the app resumes when the file is closed). A headless app (the
tests) cannot suspend a terminal it does not have: it runs the editor as it is.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from typing import Any

from textual.app import SuspendNotSupported

_GOTO_STYLE = {"code", "codium", "code-insiders", "cursor", "windsurf"}
_COLON_STYLE = {"hx", "helix", "subl", "zed"}


def editor_command(path: str, line: int, environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    editor = shlex.split(env.get("VISUAL") or env.get("EDITOR") or "vi")
    name = os.path.basename(editor[0])
    if name in _GOTO_STYLE:
        return [
            *editor,
            *([] if "--wait" in editor or "-w" in editor else ["--wait"]),
            "--goto",
            f"{path}:{line}",
        ]
    if name in _COLON_STYLE:
        return [*editor, f"{path}:{line}"]
    return [*editor, f"+{line}", path]


def open_in_editor(app: Any, path: str, line: int) -> None:
    """Run the editor on `path` at `line` and come back to the app when it exits."""
    command = editor_command(path, line)
    try:
        try:
            with app.suspend():
                # the terminal itself: fds 0-2 belong to the program being debugged (its output is captured);
                # run.py points sys.__stdin__ and sys.__stderr__ at the terminal for the app's life
                code = subprocess.call(
                    command, stdin=sys.__stdin__, stdout=sys.__stderr__, stderr=sys.__stderr__
                )
        except SuspendNotSupported:
            if not app.is_headless:
                app.notify("this terminal cannot be handed to an editor", severity="warning")
                return
            code = subprocess.call(command, stdin=subprocess.DEVNULL)
    except OSError as exc:
        app.notify(f"cannot run {command[0]}: {exc}", title="editor", severity="error", markup=False)
        return
    if code:
        app.notify(f"{command[0]} exited with {code}", title="editor", severity="warning", markup=False)
    app.refresh()
