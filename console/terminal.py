"""Input and output of the `--plain` console.

Everything the console and the program print goes through `Terminal.say` / `Terminal.program_output`, one write
per block under one lock, so blocks never interleave. On a terminal, prompt_toolkit reads the commands (history,
completion, a coloured prompt) and `patch_stdout` keeps whatever is printed while the prompt is up above it.
Without a terminal (a pipe, a test) plain lines are read from stdin and nothing is coloured.

The command history is kept in $XDG_STATE_HOME/dapper-tui/plain_history (the folder engine/persist.py keeps
project state in), so it outlives the session.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from dapper_tui.engine.persist import state_dir
from prompt_toolkit.completion import Completer, Completion

PROMPT_STYLE = "ansicyan bold"
ANSI = {
    "location": "\x1b[1;32m",
    "current": "\x1b[33m",
    "error": "\x1b[31m",
    "info": "\x1b[34m",
    "stderr": "\x1b[31m",
}
RESET = "\x1b[0m"


class Terminal:
    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self._lock = threading.Lock()
        self._at_line_start = True
        self._pt: Any = None  # the prompt_toolkit session, on a terminal
        self._pt_io: dict[str, Any] = {}

    # -- output -------------------------------------------------------------------------------------------
    def colour(self, text: str, style: str) -> str:
        """`text` in the style's colour on a terminal (each line, so that a block stays coloured)."""
        code = ANSI.get(style, "") if self.interactive else ""
        if not code:
            return text
        return "\n".join(f"{code}{line}{RESET}" if line else line for line in text.split("\n"))

    def say(self, text: str, style: str = "", end: str = "\n") -> None:
        """Print one block. On a terminal everything goes through sys.stdout (prompt_toolkit's patch_stdout
        proxy, which keeps it above the prompt) in one write, so blocks never interleave with a redraw."""
        text = self.colour(text, style)
        with self._lock:
            lead = "" if self._at_line_start or not text else "\n"
            sys.stdout.write(lead + text + end)
            sys.stdout.flush()
            self._at_line_start = (text + end).endswith("\n") or not (text + end)

    def program_output(self, text: str, category: str) -> None:
        if category == "stderr":
            text = self.colour(text, "stderr")
        with self._lock:
            sys.stdout.write(text)
            sys.stdout.flush()
            self._at_line_start = text.endswith("\n")

    # -- input --------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, completer: Completer) -> Iterator[None]:
        """While the console runs: on a terminal, the prompt session is made first (before the engine swaps
        sys.stdin/sys.stdout for the program's proxies) and output is kept above the prompt."""
        if not self.interactive:
            yield
            return
        from prompt_toolkit.patch_stdout import patch_stdout

        self._prompt_session(completer)
        with patch_stdout(raw=True):
            yield

    def _prompt_session(self, completer: Completer | None = None) -> Any:
        if self._pt is None:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory, InMemoryHistory
            from prompt_toolkit.input import create_input
            from prompt_toolkit.output import create_output
            from prompt_toolkit.styles import Style

            history: Any = InMemoryHistory()
            try:
                folder = state_dir()
                folder.mkdir(parents=True, exist_ok=True)
                history = FileHistory(str(folder / "plain_history"))
            except OSError:
                pass
            # the engine replaces sys.stdin/sys.stdout with proxies for the program: talk to the terminal itself
            self._pt_io = {"input": create_input(sys.__stdin__), "output": create_output(sys.__stdout__)}
            self._pt = PromptSession(
                **self._pt_io,
                history=history,
                completer=completer,
                complete_while_typing=False,
                style=Style.from_dict({"prompt": PROMPT_STYLE}),
            )
        return self._pt

    def read_line(self, prompt: str, *, program_input: bool = False) -> str | None:
        """One line (None at end of input). `program_input`: an answer for the program's input(), read without
        the console's history and completion."""
        if self.interactive:
            if program_input:
                from prompt_toolkit import PromptSession

                self._prompt_session()
                try:
                    return PromptSession(**self._pt_io).prompt("")
                except EOFError:
                    return None
            return self._prompt_session().prompt([("class:prompt", prompt)])
        with self._lock:
            sys.stdout.write(prompt)
            sys.stdout.flush()
            self._at_line_start = not prompt
        line = sys.stdin.readline()
        if not line:
            return None
        return line.rstrip("\n")

    def read_command(self, prompt: str) -> str | None:
        """A command line; Ctrl-C at the prompt starts the line again, end of input (Ctrl-D) is None."""
        while True:
            try:
                return self.read_line(prompt)
            except KeyboardInterrupt:
                continue
            except EOFError:
                return None


class ConsoleCompleter(Completer):
    """Commands first; then files for b/cl/reload, help topics for help, and the names of the current frame
    for the rest."""

    def __init__(
        self,
        commands: Iterable[str],
        command_of: Callable[[str], str],
        files: Callable[[], list[str]],
        names: Callable[[], list[str]],
        topics: Iterable[str],
    ) -> None:
        self.commands = sorted(set(commands))
        self.command_of = command_of
        self.files = files
        self.names = names
        self.topics = list(topics)

    def get_completions(self, document: Any, complete_event: Any) -> Iterable[Completion]:
        text = document.text_before_cursor
        if " " not in text and not text.startswith("!"):
            for name in self.commands:
                if name.startswith(text) and name != "!":
                    yield Completion(name, -len(text))
            return
        word = text.split()[-1] if text and not text.endswith(" ") else ""
        cmd = self.command_of(text.split()[0]) if text.split() else ""
        if cmd in ("b", "cl", "reload"):
            pool = self.files()
        elif cmd == "help":
            pool = self.topics
        else:
            word = _last_identifier(text)
            pool = self.names()
        for name in sorted(set(pool)):
            if name.startswith(word):
                yield Completion(name, -len(word))


def _last_identifier(text: str) -> str:
    i = len(text)
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
        i -= 1
    return text[i:]
