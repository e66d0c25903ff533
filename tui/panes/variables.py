"""The variables tree: scopes of the selected frame, expanded lazily one page at a time.

A node's children are fetched from the engine when it is first expanded, `PAGE` at a time; a "more…" node
loads the next page, so a list of a million elements opens at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..theme_styles import theme_style
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


def var_label(var: Any, *, name: str | None = None, name_style: Style | str = "bold") -> Text:
    """`name [length] = value  type`: a container's length comes right after its name, where a narrow pane
    still shows it (the value is cut at the pane's edge; `v` shows all of it)."""
    text = Text()
    text.append(name if name is not None else var.name, style=name_style)
    if var.type == "statement":
        text.append("  (statement ran)", style="dim")
        return text
    length = var.indexed or var.named
    if length:
        text.append(f" [{length:,}]", style="dim")
    text.append(" = ")
    text.append(var.value)
    text.append(f"  {var.type}", style="dim")
    return text


def _shown(var: Any) -> tuple[Any, ...]:
    """What `var_label` shows of a variable (its label is made again only when this changes)."""
    return (var.name, var.type, var.value, var.indexed, var.named)


class VarTree(SteadyTree[VarNode]):
    """A tree of engine variables that loads children on expand, page by page."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(label, id=id)
        self.show_root = False
        self.guide_depth = 2
        self.session: Any = None  # set by the screen: the DebugSession
        self.restore_cursor: tuple[str, ...] | None = (
            None  # the node the cursor goes back to once it is added
        )

    @property
    def name_style(self) -> Style:
        """Names in the theme's primary text colour (readable on its surface, light or dark)."""
        return theme_style(self, "primary", bold=True)

    def add_var(self, parent: TreeNode[VarNode], var: Any, parent_ref: int) -> TreeNode[VarNode]:
        data = VarNode("var", var.reference, var.name, var=var, parent_ref=parent_ref)
        label = var_label(var, name_style=self.name_style)
        if var.reference:
            node = parent.add(label, data=data)
            if self.path_of(node) in self.keep_expanded:
                node.expand()  # it was open at the last stop: open it again
        else:
            node = parent.add_leaf(label, data=data)
        self.land_cursor(node)
        return node

    def remember_cursor(self) -> None:
        """The tree is about to be rebuilt: the cursor goes back to the same variable (by its path of names)."""
        node = self.cursor_node
        if node is not None and node.data is not None and node.data.kind in ("scope", "var", "watch"):
            self.restore_cursor = self.path_of(node)

    def land_cursor(self, node: TreeNode[VarNode]) -> None:
        if self.restore_cursor is not None and self.path_of(node) == self.restore_cursor:
            self.restore_cursor = None
            self.call_after_refresh(self.move_cursor, node)

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


class VariablesPane(VarTree):
    BINDINGS = [
        Binding("equals_sign,=", "set_value", "Set value", show=False),
        Binding("v", "view_value", "View value", show=False),
    ]

    class ViewValueRequested(Message):
        """Show the whole value of `var` (its label is cut at the pane's edge)."""

        def __init__(self, var: Any) -> None:
            super().__init__()
            self.var = var

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
        opened again (by name: references are valid for one stop only).

        A step seldom changes the tree's shape (the same scopes, the same variables, new values): then the
        nodes stay, with new references and labels, and only the lines whose label changed are drawn again.
        Rebuilding the tree drew all of it, which took most of a step's time."""
        if frame_id is not None and self.session is not None and self._sync_scopes(frame_id, module_level):
            self.frame_id = frame_id
            return
        if self.root.children:
            self.keep_expanded = self.expanded_paths()
            self.remember_cursor()
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
            self.land_cursor(node)
            remembered = (scope.name,) in self.keep_expanded
            if remembered or (not scope.expensive and not self.keep_expanded):
                node.expand()

    def _sync_scopes(self, frame_id: int, module_level: bool) -> bool:
        """Update the tree in place for `frame_id` if its scopes are the ones shown; False: rebuild it."""
        scope_nodes = list(self.root.children)
        if not scope_nodes or any(n.data is None or n.data.kind != "scope" for n in scope_nodes):
            return False
        try:
            scopes = self.session.scopes(frame_id)
        except Exception:
            return False
        if [s.name for s in scopes] != [n.data.name for n in scope_nodes if n.data is not None]:
            return False
        self.keep_expanded = self.expanded_paths()
        for scope, node in zip(scopes, scope_nodes, strict=True):
            data = node.data
            assert data is not None
            data.ref = scope.reference
            data.extra["hide_dunder"] = module_level
            self._sync_children(node)
        return True

    def _sync_children(self, node: TreeNode[VarNode]) -> None:
        """`node`'s reference is new: its loaded children get their new values (in place where the names are
        the same), an unexpanded node loads them again when it is opened."""
        data = node.data
        assert data is not None
        if not data.loaded:
            return
        if not node.is_expanded:
            data.extra["stale"] = True  # fetched again when opened
            return
        data.extra.pop("stale", None)
        shown = list(node.children)
        if any(c.data is None or c.data.kind != "var" for c in shown):
            self._reload_children(node)  # "more…" pages or an error: load the first page again
            return
        try:
            children = self.session.variables(data.ref, 0, PAGE)
        except Exception:
            self._reload_children(node)
            return
        if data.extra.get("hide_dunder"):
            children = [v for v in children if not (v.name.startswith("__") and v.name.endswith("__"))]
        if len(children) >= PAGE or [v.name for v in children] != [
            c.data.name for c in shown if c.data is not None
        ]:
            self._reload_children(node)
            return
        if any(bool(v.reference) != c.allow_expand for v, c in zip(children, shown, strict=True)):
            self._reload_children(node)
            return
        name_style = self.name_style
        for var, child in zip(children, shown, strict=True):
            cdata = child.data
            assert cdata is not None
            old = cdata.var
            cdata.var = var
            cdata.ref = var.reference
            cdata.parent_ref = data.ref
            if old is None or _shown(old) != _shown(var):
                label = var_label(var, name_style=name_style)
                if label != child.label:
                    child.set_label(label)
            self._sync_children(child)

    def _reload_children(self, node: TreeNode[VarNode]) -> None:
        data = node.data
        assert data is not None
        node.remove_children()
        self.load_page(node, data.ref, 0)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[VarNode]) -> None:
        # runs before VarTree's handler (Textual calls each class's), which loads a node not loaded yet
        data = event.node.data
        if data is not None and data.extra.pop("stale", False):
            self._reload_children(event.node)

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

    def action_view_value(self) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None and node.data.var is not None:
            self.post_message(self.ViewValueRequested(node.data.var))
