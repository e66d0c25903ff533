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
        """The evaluate shell in the selected frame (screens/evaluate.py): entries run one after another, their
        results show in the shell and go to Output."""
        from .screens.evaluate import EvaluateScreen

        screen = self.screen
        if self.session.state != "stopped":
            screen.dapp.notify("evaluate needs a stopped program", severity="warning")
            return
        frame = screen.stack.selected_frame
        where = frame.name if frame is not None else "the top frame"
        frame_id = frame.id if frame is not None else None
        if self.history is None:
            from .eval_history import History

            self.history = History()

        def complete(text: str) -> tuple[str, list[str]]:  # a worker thread
            from .completion import candidates

            return candidates(self.session, frame_id, text)

        shell = EvaluateScreen(
            f"Evaluate in {where}", lambda text: self._evaluate(text, frame_id), complete, self.history
        )
        screen.dapp.push_screen(shell, lambda _: screen.refresh_stop_view(keep_frame=True))

    history: Any = None  # the shell's History, loaded at its first use

    def _evaluate(self, expression: str, frame_id: int | None) -> tuple[str, bool]:  # a worker thread
        """Run `expression` (or a statement); (the result's full text, is it an error). Also goes to Output."""
        try:
            is_expression, value = self.session.inspection.evaluate(expression, frame_id)
            result = full_repr(value) if is_expression else "(statement ran)"
            error = False
        except Exception as exc:
            result, error = f"{type(exc).__name__}: {exc}", True
        text = f"» {expression}\n{result}\n"
        self.screen.from_thread(self.screen.output.append, text, "stderr" if error else "console")
        return result, error

    def view_value(self, var: Any) -> None:
        """The whole value of a variable, wrapped in a scrollable view (its evaluate name is evaluated again in
        the selected frame; without one, the value as listed)."""
        frame = self.screen.stack.selected_frame
        frame_id = frame.id if frame is not None else None
        name = var.evaluate_name

        def work() -> None:  # a worker thread
            text = var.value
            if name and self.session.state == "stopped":
                try:
                    is_expression, value = self.session.inspection.evaluate(name, frame_id)
                    if is_expression:
                        text = full_repr(value)
                except Exception:
                    pass
            self.screen.from_thread(show, f"{name or var.name}  ({var.type})", text)

        def show(title: str, text: str) -> None:
            from .screens.value import ValueScreen

            self.screen.dapp.push_screen(ValueScreen(title, text))

        self.screen.run_worker(work, thread=True, group="view-value")

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


MAX_RESULT = 200_000  # characters of one result shown (a huge value is cut, with a note)


def full_repr(value: Any) -> str:
    """The whole value, pretty-printed (the variables pane shows a short repr; the shell shows all of it)."""
    import pprint

    try:  # a string stays one literal (pprint would cut it into adjacent pieces); the view wraps it
        text = (
            repr(value)
            if isinstance(value, (str, bytes))
            else pprint.pformat(value, width=100, sort_dicts=False)
        )
    except Exception as exc:  # a broken __repr__ must not break the shell
        return f"<{type(value).__name__} object; repr failed: {type(exc).__name__}: {exc}>"
    if len(text) > MAX_RESULT:
        text = text[:MAX_RESULT] + f"\n… ({len(text) - MAX_RESULT:,} more characters)"
    return text
