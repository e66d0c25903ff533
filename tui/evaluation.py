"""Evaluating in the stopped program for the debugger screen: the watches at every stop, `e`, and setting a
variable. Evaluation runs on the stopped thread, so it runs in thread workers and never freezes the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .debugger_screen import DebuggerScreen


class Evaluation:
    def __init__(self, screen: DebuggerScreen) -> None:
        self.screen = screen
        self.session = screen.session
        self.watch_gen = 0  # only the newest evaluation of the watches is shown

    # -- watches ------------------------------------------------------------------------------------------
    def watches(self, frame_id: int | None = None) -> None:
        """Evaluate the watch expressions in `frame_id` (default: the selected frame) and show the values."""
        screen = self.screen
        if frame_id is None:
            frame = screen.stack.selected_frame
            frame_id = frame.id if frame is not None else None
        if frame_id is None or not screen.watches.expressions:
            screen.watches.show_values({})
            return
        self.watch_gen += 1
        expressions, gen = list(screen.watches.expressions), self.watch_gen
        screen.run_worker(
            lambda: self._evaluate_watches(frame_id, expressions, gen),
            thread=True,
            exclusive=True,
            group="watches",
        )

    def _evaluate_watches(self, frame_id: int, expressions: list[str], gen: int) -> None:  # a worker thread
        values: dict[str, Any] = {}
        for expr in expressions:
            try:
                values[expr] = self.session.evaluate(expr, frame_id)
            except Exception as exc:
                values[expr] = f"{type(exc).__name__}: {exc}"
        self.screen.from_thread(self._show_watch_values, values, gen)

    def _show_watch_values(self, values: dict[str, Any], gen: int) -> None:
        if gen == self.watch_gen and self.session.state == "stopped":
            self.screen.watches.show_values(values)

    def add_watch(self) -> None:
        from .screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text and text.strip():
                self.screen.watches.add_expression(text.strip())

        self.screen.dapp.push_screen(
            PromptScreen("Watch expression", placeholder="e.g. len(cart.items)"), done
        )

    # -- evaluate and set value ---------------------------------------------------------------------------
    def ask_and_evaluate(self) -> None:
        """Ask for an expression or statement and run it in the selected frame; the result goes to Output."""
        from .screens.prompt import PromptScreen

        screen = self.screen
        if self.session.state != "stopped":
            screen.dapp.notify("evaluate needs a stopped program", severity="warning")
            return
        frame = screen.stack.selected_frame
        where = frame.name if frame is not None else "the top frame"
        frame_id = frame.id if frame is not None else None

        def done(text: str | None) -> None:
            if text:
                screen.run_worker(lambda: self._evaluate(text, frame_id), thread=True, group="evaluate")

        screen.dapp.push_screen(
            PromptScreen(f"Evaluate in {where}", placeholder="expression or statement"), done
        )

    def _evaluate(self, expression: str, frame_id: int | None) -> None:  # a worker thread
        try:
            var = self.session.evaluate(expression, frame_id)
            result = var.value if var.type != "statement" else "(statement ran)"
            text = f"» {expression}\n{result}\n"
            error = False
        except Exception as exc:
            text = f"» {expression}\n{type(exc).__name__}: {exc}\n"
            error = True

        def show() -> None:
            screen = self.screen
            screen.output.append(text, "stderr" if error else "console")
            screen.dapp.notify(text.strip(), title="evaluate", severity="error" if error else "information")
            screen.refresh_stop_view(keep_frame=True)

        self.screen.from_thread(show)

    def set_value(self, parent_ref: int, name: str, current: str) -> None:
        """Ask for a new value (a Python expression) of the variable `name` and set it."""
        from .screens.prompt import PromptScreen

        screen = self.screen

        def done(text: str | None) -> None:
            if not text:
                return
            try:
                self.session.set_variable(parent_ref, name, text)
            except Exception as exc:
                screen.dapp.notify(f"{type(exc).__name__}: {exc}", title="set value", severity="error")
                return
            screen.refresh_stop_view(keep_frame=True)

        screen.dapp.push_screen(
            PromptScreen(f"New value for {name} (a Python expression)", value=current), done
        )
