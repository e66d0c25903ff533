"""The stopped view: the threads and frames, and for the selected frame its source, variables and watches.

A stop (or a refresh after a reload, an evaluation, `l`) shows every thread's stack; selecting a frame shows its
file with its line marked, its variables and the watches evaluated in it. Picking a file (loaded sources, `m`)
shows that file, with the frame's line marked if the frame is in it. A frame still running code that a reload
replaced is at a line of the text that code was compiled from: that text is shown (`o`), or the new file with a
note and no arrow.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .panes.sources import SourcesPane
from .screen_layout import ScreenLayout

if TYPE_CHECKING:
    from .breakpoint_edit import BreakpointEditor
    from .evaluation import Evaluation
    from .panes.stack import StackPane


class StopView(ScreenLayout):
    """The screen's part that shows the stopped program (the screen's `refresh_stop_view` and `show_frame`)."""

    show_library: bool
    bp_editor: BreakpointEditor
    evaluation: Evaluation

    def display_path(self, path: str | None) -> str:
        return self.dapp.display_path(path)

    def refresh_stop_view(self, keep_frame: bool = False) -> None:
        s = self.session
        if s.state != "stopped":
            return
        selected = self.stack.selected_frame.id if keep_frame and self.stack.selected_frame else None
        stopped_tid = s.stop_event.thread_id if s.stop_event else None
        jmc = not self.show_library
        threads = []
        for t in s.thread_list():
            frames = s.stack(t.id, just_my_code=jmc) if t.stopped else []
            threads.append((t.id, t.name, frames))
        self.stack.show_stack(threads, stopped_tid, select=selected)
        self.sources.show_sources(self.dapp.loaded_sources(), self.display_path)
        self.bp_editor.refresh()
        frame = self.stack.selected_frame
        # a refresh (after a reload, an evaluation...) leaves the file the user is reading in the view, and
        # for a frame on old code the text it shows (the old one, or the new file just reloaded)
        move = not keep_frame or frame is None or self.source.path == frame.path
        self.show_frame(frame, move_source=move, old_text=not keep_frame or self.source.old_code)

    def show_frame(self, frame: Any, *, move_source: bool = True, old_text: bool = True) -> None:
        if frame is None:
            self.variables.show_frame(None)
            self.watches.show_values({})
            return
        if move_source and frame.path and not frame.path.startswith("<"):
            self._show_frame_source(frame, old_text)
        self.variables.show_frame(frame.id, module_level=frame.name == "<module>")
        self.evaluation.watches(frame.id)

    def _show_frame_source(self, frame: Any, old_text: bool) -> None:
        """The frame's file with the frame's line marked. A frame still running code that a reload replaced
        is at a line of the text that code was compiled from: that text is shown, with the arrow on its line;
        or (`old_text` off, or that text was not kept) the new file, with no arrow: none of its lines is the
        frame's."""
        title = self.display_path(frame.path)
        text = self._old_source(frame) if frame.old_code and old_text else None
        if text:
            self.source.show_file(frame.path, current_line=frame.line, title=title, text=text, old_code=True)
        elif frame.old_code:
            self.source.show_file(frame.path, current_line=None, title=title, note=self._old_code_note(frame))
        else:
            self.source.show_file(frame.path, current_line=frame.line, title=title)
        self.bp_editor.refresh_markers()

    def _old_source(self, frame: Any) -> str | None:
        """The text the old code of this frame was compiled from (None: not kept, or the frame is gone)."""
        try:
            return self.session.editor.old_source(self.session.frame(frame.id).f_code)
        except KeyError:
            return None

    @staticmethod
    def _old_code_note(frame: Any) -> str:
        return f"{frame.name} runs old code at line {frame.line} of its old text (o shows it)"

    def on_stack_pane_frame_selected(self, event: StackPane.FrameSelected) -> None:
        self.show_frame(event.frame)

    def on_sources_pane_source_selected(self, event: SourcesPane.SourceSelected) -> None:
        current, note = None, ""
        frame = self.stack.selected_frame
        if frame is not None and frame.path == event.path:
            if frame.old_code:  # its line is one of the old text, not of this file
                note = self._old_code_note(frame)
            else:
                current = frame.line
        title = self.display_path(event.path)
        self.source.show_file(event.path, current_line=current, title=title, note=note)
        self.bp_editor.refresh_markers()
        self.source.focus()

    def action_open_source(self) -> None:
        from .screens.open_source import OpenSourceScreen

        names = sorted({s.module for s in self.session.loaded_sources(include_library=True)})
        program = self.dapp.target.program
        screen = OpenSourceScreen(names, os.path.dirname(program) if program else None)
        self.dapp.push_screen(screen, self._open_source)

    def _open_source(self, path: str | None) -> None:
        if path:  # as if it were picked in the loaded sources pane
            self.sources.post_message(SourcesPane.SourceSelected(path))

    def action_open_old_code(self) -> None:
        frame = self.stack.selected_frame
        if frame is None or not frame.old_code:
            self.dapp.notify("the selected frame runs current code", severity="information")
            return
        if not self._old_source(frame):
            self.dapp.notify("the old source was not kept", severity="warning")
            return
        self._show_frame_source(frame, old_text=True)

    def action_toggle_library(self) -> None:
        self.show_library = not self.show_library
        self.dapp.notify("library frames shown" if self.show_library else "library frames hidden", timeout=2)
        self.refresh_stop_view(keep_frame=True)
