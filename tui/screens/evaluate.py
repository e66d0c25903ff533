"""The evaluate prompt, like a shell: expressions and statements run in the selected frame one after another;
results wrap in a scrollable log above the input. Up / Down walk the history (kept across runs), Tab completes
names and attributes in the frame. Escape closes it; every result also goes to the Output pane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RichLog

from ..completion import common_prefix
from ..eval_history import History

MAX_SHOWN = 40  # completions listed under the input


class ShellInput(Input):
    """An Input whose Up / Down / Tab are the shell's."""

    BINDINGS = [
        Binding("up", "screen.history(-1)", show=False),
        Binding("down", "screen.history(1)", show=False),
        Binding("tab", "screen.complete", show=False),
    ]


class EvaluateScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    EvaluateScreen { align: center middle; }
    EvaluateScreen > Vertical {
        width: 90%; max-width: 140; height: 80%; border: thick $accent 60%; background: $panel; padding: 0 1;
    }
    EvaluateScreen RichLog { height: 1fr; background: $surface; border: round $primary 40%; }
    EvaluateScreen #eval-title { width: 100%; }
    EvaluateScreen #eval-completions { color: $text-muted; height: auto; max-height: 4; }
    """
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(
        self,
        title: str,
        run: Callable[[str], tuple[str, bool]],
        complete: Callable[[str], tuple[str, list[str]]],
        history: History,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.run = run  # runs one entry on the stopped program: (the result's text, is it an error)
        self.complete_in_frame = complete
        self.history = history

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="eval-title")
            yield RichLog(wrap=True, markup=False, highlight=True, id="eval-log")
            yield ShellInput(
                placeholder="expression or statement (↑↓ history, Tab completes)", id="eval-input"
            )
            yield Label("", id="eval-completions")

    @property
    def input(self) -> Input:
        return self.query_one(ShellInput)

    @property
    def log_view(self) -> RichLog:
        return self.query_one(RichLog)

    def on_mount(self) -> None:
        self.input.focus()

    # -- running --------------------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        if not text.strip():
            return
        self.history.add(text)
        self.input.value = ""
        self.query_one("#eval-completions", Label).update("")
        self._run(text)

    @work(thread=True, group="evaluate-shell")
    def _run(self, text: str) -> None:
        result, error = self.run(text)
        self._from_thread(self.show_result, text, result, error)

    def _from_thread(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:  # the app is closing
            pass

    def show_result(self, text: str, result: str, error: bool) -> None:
        if not self.is_attached:
            return  # closed meanwhile: the result is in the Output pane
        self.log_view.write(Text(f"» {text}", style="bold"))
        self.log_view.write(Text(result, style="red" if error else ""))

    # -- history and completion -----------------------------------------------------------------------------
    def action_history(self, direction: int) -> None:
        entry = self.history.older(self.input.value) if direction < 0 else self.history.newer()
        if entry is not None:
            self.input.value = entry
            self.input.cursor_position = len(entry)

    def action_complete(self) -> None:
        before = self.input.value[: self.input.cursor_position]
        self._complete(before, self.input.value)

    @work(thread=True, exclusive=True, group="evaluate-complete")
    def _complete(self, before: str, value: str) -> None:
        prefix, names = self.complete_in_frame(before)
        self._from_thread(self._apply_completion, before, value, prefix, names)

    def _apply_completion(self, before: str, value: str, prefix: str, names: list[str]) -> None:
        if not self.is_attached or self.input.value != value:
            return  # typed on meanwhile
        shown = self.query_one("#eval-completions", Label)
        if not names:
            shown.update("no completions")
            return
        common = names[0] if len(names) == 1 else common_prefix(names)
        add = common[len(prefix) :]
        if add:
            after = value[len(before) :]
            self.input.value = before + add + after
            self.input.cursor_position = len(before) + len(add)
        listed = "  ".join(names[:MAX_SHOWN]) + (
            f"  … {len(names) - MAX_SHOWN} more" if len(names) > MAX_SHOWN else ""
        )
        shown.update("" if len(names) == 1 else listed)

    def action_close(self) -> None:
        self.dismiss(None)
