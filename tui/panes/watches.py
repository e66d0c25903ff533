"""Watch expressions, re-evaluated in the selected frame at every stop. Values expand like variables."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from .variables import VarNode, VarTree, var_label


class WatchesPane(VarTree):
    BINDINGS = [Binding("delete,backspace", "remove_watch", "Remove watch", show=False)]

    class Changed(Message):
        """The list of expressions changed (persist it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("watches", id=id)
        self.border_title = "Watches"
        self.expressions: list[str] = []
        self.values: dict[str, Any] = {}  # expression -> Variable or an error string

    def set_expressions(self, expressions: list[str]) -> None:
        self.expressions = list(dict.fromkeys(expressions))
        self.show_values({})

    def add_expression(self, expression: str) -> None:
        if expression and expression not in self.expressions:
            self.expressions.append(expression)
            self.post_message(self.Changed())

    def show_values(self, values: dict[str, Any]) -> None:
        """`values`: expression -> engine Variable, or an error message (str); missing: not evaluated."""
        self.values = dict(values)
        self.clear()
        for expr in self.expressions:
            value = values.get(expr)
            data = VarNode("watch", name=expr)
            if value is None:
                self.root.add_leaf(
                    Text.assemble((expr, self.name_style), ("  (not evaluated)", "dim")), data=data
                )
            elif isinstance(value, str):
                self.root.add_leaf(Text.assemble((expr, self.name_style), ("  " + value, "red")), data=data)
            else:
                data.ref = value.reference
                data.var = value
                label = var_label(value, name=expr, name_style=self.name_style)
                if value.reference:
                    self.root.add(label, data=data)
                else:
                    self.root.add_leaf(label, data=data)
        self.border_subtitle = str(len(self.expressions)) if self.expressions else "w: add"

    def action_remove_watch(self) -> None:
        node = self.cursor_node
        while node is not None and node.parent is not None and node.parent is not self.root:
            node = node.parent
        if node is None or node.data is None or node.data.kind != "watch":
            return
        self.expressions.remove(node.data.name)
        self.values.pop(node.data.name, None)
        self.show_values(self.values)
        self.post_message(self.Changed())
