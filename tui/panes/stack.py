"""The call stack: threads by name, each with its frames (innermost first). Library frames are hidden unless
the user shows them; frames still running code that a reload replaced are marked "old code". The pane's own
keys (Restart frame) act on the selected frame, through the screen's action of the same name."""

from __future__ import annotations

import os
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..keys import CALL_STACK, KEYS
from ..theme_styles import theme_style
from .steady_tree import SteadyTree


class StackPane(SteadyTree[Any]):
    BINDINGS = [
        Binding(k.keys, f"screen.{k.action}", k.description, show=k.show, key_display=k.display)
        for k in KEYS
        if k.pane == CALL_STACK
    ]

    class FrameSelected(Message):
        def __init__(self, frame: Any) -> None:  # engine.session.FrameInfo
            super().__init__()
            self.frame = frame

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("threads", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.border_title = "Call stack"
        self.selected_frame: Any = None
        self._frame_nodes: dict[int, TreeNode[Any]] = {}

    def show_stack(
        self,
        threads: list[tuple[int, str, list[Any]]],
        stopped_thread: int | None,
        *,
        select: int | None = None,
    ) -> None:
        """`threads`: (thread id, name, frames). The stopped thread comes first and its top frame is selected
        (or the frame with id `select`).

        When the threads and their numbers of frames are the ones shown (a step in the same function), the
        nodes stay and only labels that changed are drawn again: rebuilding the tree drew all of it."""
        threads = sorted(threads, key=lambda t: (t[0] != stopped_thread, t[1]))
        labels = [self._thread_label(tid, name, frames, stopped_thread) for tid, name, frames in threads]
        thread_nodes = list(self.root.children)
        same_shape = len(thread_nodes) == len(threads) and all(
            len(node.children) == len(frames)
            for node, (_, _, frames) in zip(thread_nodes, threads, strict=True)
        )
        self._frame_nodes.clear()
        first: TreeNode[Any] | None = None
        if not same_shape:
            self.clear()
            thread_nodes = [self.root.add(label, data=None, expand=True) for label in labels]
        for thread_node, label, (_tid, _name, frames) in zip(thread_nodes, labels, threads, strict=True):
            if same_shape and label != thread_node.label:
                thread_node.set_label(label)
            nodes = (
                list(thread_node.children)
                if same_shape
                else [thread_node.add_leaf(self._label(frame), data=frame) for frame in frames]
            )
            for node, frame in zip(nodes, frames, strict=True):
                if same_shape:
                    node.data = frame
                    frame_label = self._label(frame)
                    if frame_label != node.label:
                        node.set_label(frame_label)
                self._frame_nodes[frame.id] = node
                if first is None or (select is not None and frame.id == select):
                    first = node
        subtitle = "" if threads else "running"
        if self.border_subtitle != subtitle:  # setting a border text draws the pane again, even the same one
            self.border_subtitle = subtitle
        if first is not None:
            if first.parent is not None and not first.parent.is_expanded:
                first.parent.expand()
            self.selected_frame = first.data
            self.move_cursor(first)
        else:
            self.selected_frame = None

    def _thread_label(self, tid: int, name: str, frames: list[Any], stopped_thread: int | None) -> Text:
        label = Text(name, style="bold")
        if tid == stopped_thread:
            label.append("  stopped", style=theme_style(self, "warning", italic=True))
        elif not frames:
            label.append("  (no frames of yours)", style="dim")
        return label

    def clear_stack(self, note: str = "running") -> None:
        self.clear()
        self._frame_nodes.clear()
        self.selected_frame = None
        self.border_subtitle = note

    @staticmethod
    def _label(frame: Any) -> Text:
        text = Text()
        text.append(frame.name, style="bold" if frame.user else "dim")
        text.append(f"  {os.path.basename(frame.path)}:{frame.line}", style="" if frame.user else "dim")
        if frame.old_code:
            text.append("  [old code]", style="bold reverse")  # reads in every theme
        return text

    def frames(self) -> list[Any]:
        return [node.data for node in self._frame_nodes.values()]

    def select_frame_id(self, frame_id: int) -> None:
        node = self._frame_nodes.get(frame_id)
        if node is not None:
            self.move_cursor(node)
            self.selected_frame = node.data
            self.post_message(self.FrameSelected(node.data))

    def move_selection(self, delta: int) -> None:
        """u/d: the caller (+1) or the callee (-1) of the selected frame, within its thread."""
        if self.selected_frame is None:
            return
        node = self._frame_nodes.get(self.selected_frame.id)
        if node is None or node.parent is None:
            return
        siblings = list(node.parent.children)
        i = siblings.index(node) + delta
        data = siblings[i].data if 0 <= i < len(siblings) else None
        if data is not None:
            self.select_frame_id(data.id)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Any]) -> None:
        event.stop()
        if event.node.data is not None:
            self.selected_frame = event.node.data
            self.post_message(self.FrameSelected(event.node.data))
