"""The variables tree: scopes of the selected frame, expanded lazily one page at a time.

A node's children are fetched from the engine when it is first expanded, `PAGE` at a time; a "more…" node
loads the next page, so a list of a million elements opens at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from .steady_tree import SteadyTree

PAGE = 100


@dataclass
class VarNode:
    kind: str  # "scope", "var", "more", "watch"
    ref: int = 0  # variables reference to list children with
    name: str = ""
    start: int = 0  # for "more": the next page starts here
    loaded: bool = False
    var: Any = None  # engine Variable
    parent_ref: int = 0  # the container this variable lives in (for set variable)
    extra: dict[str, Any] = field(default_factory=dict)


def var_label(var: Any, *, name: str | None = None) -> Text:
    text = Text()
    text.append(name if name is not None else var.name, style="bold cyan")
    if var.type == "statement":
        text.append("  (statement ran)", style="dim")
        return text
    text.append(" = ")
    text.append(var.value)
    text.append(f"  {var.type}", style="dim")
    if var.indexed:
        text.append(f" [{var.indexed:,}]", style="dim")
    return text


class VarTree(SteadyTree[VarNode]):
    """A tree of engine variables that loads children on expand, page by page."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(label, id=id)
        self.show_root = False
        self.guide_depth = 2
        self.session: Any = None  # set by the screen: the DebugSession

    def add_var(self, parent: TreeNode[VarNode], var: Any, parent_ref: int) -> TreeNode[VarNode]:
        data = VarNode("var", var.reference, var.name, var=var, parent_ref=parent_ref)
        if var.reference:
            node = parent.add(var_label(var), data=data)
            if self.path_of(node) in self.keep_expanded:
                node.expand()  # it was open at the last stop: open it again
            return node
        return parent.add_leaf(var_label(var), data=data)

    keep_expanded: frozenset[tuple[str, ...]] = frozenset()

    @staticmethod
    def path_of(node: TreeNode[VarNode]) -> tuple[str, ...]:
        names: list[str] = []
        while node.parent is not None and node.data is not None:
            names.append(node.data.name)
            node = node.parent
        return tuple(reversed(names))

    def expanded_paths(self) -> frozenset[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.is_expanded and node.data is not None and node.data.kind in ("scope", "var", "watch"):
                out.add(self.path_of(node))
                stack.extend(node.children)
        return frozenset(out)

    def load_page(self, node: TreeNode[VarNode], ref: int, start: int) -> None:
        """Add one page of `ref`'s children under `node`, and a "more…" node if there may be more."""
        if self.session is None:
            return
        try:
            children = self.session.variables(ref, start, PAGE)
        except Exception as exc:  # the program moved on, or a broken container
            node.add_leaf(Text(f"<{exc}>", style="red"), data=VarNode("error"))
            return
        data = node.data
        hide = data is not None and data.extra.get("hide_dunder")
        for var in children:
            if hide and var.name.startswith("__") and var.name.endswith("__"):
                continue  # a module's __name__, __doc__, __builtins__...: noise in its locals
            self.add_var(node, var, ref)
        total = data.var.indexed if data is not None and data.var is not None else 0
        end = start + len(children)
        if len(children) == PAGE and (not total or end < total):
            left = f" ({total - end:,} more)" if total else ""
            node.add_leaf(Text(f"more…{left}", style="italic"), data=VarNode("more", ref, start=end))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[VarNode]) -> None:
        event.stop()
        data = event.node.data
        if data is not None and data.ref and not data.loaded:
            data.loaded = True
            self.load_page(event.node, data.ref, 0)

    def on_tree_node_selected(self, event: Tree.NodeSelected[VarNode]) -> None:
        event.stop()
        data = event.node.data
        if data is not None and data.kind == "more" and event.node.parent is not None:
            parent = event.node.parent
            event.node.remove()
            self.load_page(parent, data.ref, data.start)

    def node_count(self) -> int:
        def count(node: TreeNode[VarNode]) -> int:
            return 1 + sum(count(c) for c in node.children)

        return count(self.root) - 1


class VariablesPane(VarTree):
    BINDINGS = [Binding("equals_sign,=", "set_value", "Set value", show=False)]

    class SetValueRequested(Message):
        def __init__(self, parent_ref: int, name: str, current: str) -> None:
            super().__init__()
            self.parent_ref = parent_ref
            self.name = name
            self.current = current

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("variables", id=id)
        self.border_title = "Variables"
        self.frame_id: int | None = None

    def show_frame(self, frame_id: int | None, *, module_level: bool = False) -> None:
        """Scopes of `frame_id`: Locals expanded, Globals collapsed; what the user opened at the last stop is
        opened again (by name: references are valid for one stop only)."""
        if self.root.children:
            self.keep_expanded = self.expanded_paths()
        self.clear()
        self.frame_id = frame_id
        if frame_id is None or self.session is None:
            return
        try:
            scopes = self.session.scopes(frame_id)
        except Exception as exc:
            self.root.add_leaf(Text(str(exc), style="red"))
            return
        for scope in scopes:
            data = VarNode("scope", scope.reference, scope.name)
            data.extra["hide_dunder"] = module_level
            node = self.root.add(Text(scope.name, style="bold"), data=data)
            remembered = (scope.name,) in self.keep_expanded
            if remembered or (not scope.expensive and not self.keep_expanded):
                node.expand()

    def find(self, name: str) -> TreeNode[VarNode] | None:
        """The first node whose variable is called `name`, breadth first (for tests and the palette)."""
        queue = list(self.root.children)
        while queue:
            node = queue.pop(0)
            if node.data is not None and node.data.kind == "var" and node.data.name == name:
                return node
            queue.extend(node.children)
        return None

    def action_set_value(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None or node.data.kind != "var":
            return
        self.post_message(self.SetValueRequested(node.data.parent_ref, node.data.name, node.data.var.value))
