"""Input and output of the `--plain` console.

Everything the console and the program print goes through `Terminal.say` / `Terminal.program_output`, one write
per block under one lock, so blocks never interleave. On a terminal, prompt_toolkit reads the commands (history,
completion, a coloured prompt). A block is on the screen when `say` returns: written to the terminal at once
while no prompt is up, or above the prompt (prompt_toolkit's `run_in_terminal`, in the prompt's own loop) while
one is; a prompt never starts while a block is being written. (prompt_toolkit's `patch_stdout` proxy writes from
a thread of its own: a stop printed just before the prompt could land after the prompt was drawn, on its line,
and the prompt was not drawn again.) `patch_stdout` still keeps stray writes of other code above the prompt.
Without a terminal (a pipe, a test) plain lines are read from stdin and nothing is coloured.

The command history is kept in $XDG_STATE_HOME/dapper-tui/plain_history (the folder engine/persist.py keeps
project state in), so it outlives the session.
"""

from __future__ import annotations

import asyncio
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
        # While a prompt is up: its prompt_toolkit Application, its loop and that loop's thread (set from the
        # loop once it runs; the loop is kept here because the app's own `loop` is None again once the app is
        # done, before `prompt` returns).
        self._screen = threading.Condition()
        self._prompt_starting = False
        self._app: Any = None
        self._app_loop: asyncio.AbstractEventLoop | None = None
        self._app_thread = 0

    # -- output -------------------------------------------------------------------------------------------
    def colour(self, text: str, style: str) -> str:
        """`text` in the style's colour on a terminal (each line, so that a block stays coloured)."""
        code = ANSI.get(style, "") if self.interactive else ""
        if not code:
            return text
        return "\n".join(f"{code}{line}{RESET}" if line else line for line in text.split("\n"))

    def say(self, text: str, style: str = "", end: str = "\n") -> None:
        """Print one block, in one write (on the screen when this returns)."""
        text = self.colour(text, style)
        with self._lock:
            lead = "" if self._at_line_start or not text else "\n"
            self._write(lead + text + end)
            self._at_line_start = (text + end).endswith("\n") or not (text + end)

    def program_output(self, text: str, category: str) -> None:
        if category == "stderr":
            text = self.colour(text, "stderr")
        with self._lock:
            self._write(text)
            self._at_line_start = text.endswith("\n")

    def _write(self, text: str) -> None:
        if not self.interactive:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        with self._screen:
            while self._prompt_starting:
                self._screen.wait()
            app = self._app
            # no prompt up and none starts before this is written; or written from the prompt's own loop
            if app is None or self._app_thread == threading.get_ident():
                self._to_terminal(text)
                return
            loop = self._app_loop
        self._above_prompt(app, loop, text)

    def _to_terminal(self, text: str) -> None:
        out = sys.__stdout__
        if out is not None:
            out.write(text)
            out.flush()

    def _above_prompt(self, app: Any, loop: asyncio.AbstractEventLoop | None, text: str) -> None:
        """Written in the prompt's loop, above it. If that loop has ended before it got to the text (the prompt
        was answered meanwhile), written from here: exactly once either way."""
        from prompt_toolkit.application import run_in_terminal

        claimed = threading.Lock()
        done = threading.Event()

        def write() -> None:
            if claimed.acquire(blocking=False):
                self._to_terminal(text)
                done.set()

        def written(task: asyncio.Future[None]) -> None:
            # hiding the prompt failed (it is ending): the text is still written, here
            if not task.cancelled() and task.exception() is not None:
                write()

        def in_loop() -> None:
            try:
                if app.is_running:
                    asyncio.ensure_future(run_in_terminal(write, in_executor=False)).add_done_callback(
                        written
                    )
                    return
            except Exception:  # the app is ending: not above it, but written
                pass
            write()

        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed already
                loop.call_soon_threadsafe(in_loop)
        while not done.wait(0.05):
            if self._app is not app:  # the prompt and its loop have ended: nothing there writes it any more
                write()
                return

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
                    return self._prompt(PromptSession(**self._pt_io), "")
                except EOFError:
                    return None
            return self._prompt(self._prompt_session(), [("class:prompt", prompt)])
        with self._lock:
            sys.stdout.write(prompt)
            sys.stdout.flush()
            self._at_line_start = not prompt
        line = sys.stdin.readline()
        if not line:
            return None
        return line.rstrip("\n")

    def _prompt(self, session: Any, message: Any) -> str:
        """`session.prompt(message)`, started only between two blocks of output; blocks written while it is up
        go above it."""
        from prompt_toolkit.application import get_app

        def running() -> None:  # in the prompt's loop, before it is first drawn
            with self._screen:
                self._app = get_app()
                self._app_loop = asyncio.get_running_loop()
                self._app_thread = threading.get_ident()
                self._prompt_starting = False
                self._screen.notify_all()

        with self._screen:
            self._prompt_starting = True
        try:
            # An error inside prompt_toolkit's loop is logged, instead of its handler's "Press ENTER to
            # continue" prompt, which took the next command line (a command typed then was lost).
            return str(session.prompt(message, pre_run=running, set_exception_handler=False))
        finally:
            with self._screen:
                self._app = self._app_loop = None
                self._app_thread = 0
                self._prompt_starting = False
                self._screen.notify_all()

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
