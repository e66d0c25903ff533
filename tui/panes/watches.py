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
        subtitle = str(len(self.expressions)) if self.expressions else "w: add"
        if self.border_subtitle != subtitle:  # setting a border text draws the pane again, even the same one
            self.border_subtitle = subtitle
        rows = [self._row(expr, values.get(expr)) for expr in self.expressions]
        nodes = list(self.root.children)
        # the same watches, none opened, each still a leaf or not: new labels in place (a step redraws only
        # the values that changed, not the whole pane)
        if len(nodes) == len(rows) and all(
            node.data is not None
            and node.data.name == data.name
            and not node.children
            and node.allow_expand == bool(data.ref)
            for node, (_, data) in zip(nodes, rows, strict=True)
        ):
            for node, (label, data) in zip(nodes, rows, strict=True):
                node.data = data
                if label != node.label:
                    node.set_label(label)
            return
        self.clear()
        for label, data in rows:
            if data.ref:
                self.root.add(label, data=data)
            else:
                self.root.add_leaf(label, data=data)

    def _row(self, expr: str, value: Any) -> tuple[Text, VarNode]:
        data = VarNode("watch", name=expr)
        if value is None:
            return Text.assemble((expr, self.name_style), ("  (not evaluated)", "dim")), data
        if isinstance(value, str):
            return Text.assemble((expr, self.name_style), ("  " + value, "red")), data
        data.ref = value.reference
        data.var = value
        return var_label(value, name=expr, name_style=self.name_style), data

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
