"""Breakpoint editing in the debugger screen: toggling, conditions, function breakpoints, the breakpoints pane's
show/remove/edit, and the markers in the source view's gutter. Every change is saved with the project."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dapper_tui.engine.breakpoints import BreakpointSpec

from .panes.source_view import Marker

if TYPE_CHECKING:
    from .debugger_screen import DebuggerScreen


def _spec(bp: Any, **changes: Any) -> BreakpointSpec:
    """The spec that sets `bp` again (with `changes`)."""
    values = {
        "line": bp.line,
        "condition": bp.condition,
        "hit_condition": bp.hit_condition,
        "log_message": bp.log_message,
    }
    values.update(changes)
    return BreakpointSpec(**values)


class BreakpointEditor:
    """The screen's breakpoint commands; the session holds the breakpoints, the panes show them."""

    def __init__(self, screen: DebuggerScreen) -> None:
        self.screen = screen
        self.session = screen.session

    def line_breakpoints(self, path: str) -> list[Any]:
        return [
            bp
            for bp in self.session.breakpoint_list()
            if bp.path == path and not bp.function and not bp.temporary
        ]

    def refresh(self) -> None:
        """Show the session's breakpoints in the breakpoints pane and in the source view's gutter."""
        self.screen.breakpoints.show_breakpoints(self.session.breakpoint_list(), self.screen.display_path)
        self.refresh_markers()

    def refresh_markers(self) -> None:
        source = self.screen.source
        path = source.path
        if path is None or source.old_code:
            source.set_markers([])
            return
        source.set_markers(
            [
                Marker(bp.line, bp.verified, bool(bp.condition or bp.hit_condition or bp.log_message))
                for bp in self.line_breakpoints(path)
                if bp.line
            ]
        )

    def _set_path_breakpoints(self, path: str, specs: list[BreakpointSpec]) -> None:
        self.session.set_breakpoints(path, specs)
        self._changed()

    def _changed(self) -> None:
        self.refresh()
        self.screen.dapp.remember()

    def toggle(self, path: str, line: int) -> None:
        existing = self.line_breakpoints(path)
        hit = [bp for bp in existing if line in (bp.line, bp.requested_line)]
        if hit:
            specs = [_spec(bp) for bp in existing if bp not in hit]
        else:
            specs = [_spec(bp) for bp in existing] + [BreakpointSpec(line)]
        self._set_path_breakpoints(path, specs)

    def toggle_at_cursor(self) -> None:
        source = self.screen.source
        if source.path is None or source.old_code:
            self.screen.dapp.notify("open a file first (Loaded sources)", severity="warning")
            return
        self.toggle(source.path, source.cursor_line)

    def edit_at_cursor(self) -> None:
        source = self.screen.source
        if source.path is not None and not source.old_code:
            self.edit_condition(source.path, source.cursor_line)

    def show(self, bp: Any) -> None:
        """Show the breakpoint's line in the source view."""
        if bp.path:
            source = self.screen.source
            source.show_file(bp.path, title=self.screen.display_path(bp.path))
            source.go_to_line(bp.line or 1)
            self.refresh_markers()

    def remove(self, bp: Any) -> None:
        if bp.function:
            names: list[str | tuple[str, str | None, str | None]] = [
                b.function for b in self.session.breakpoint_list() if b.function and b is not bp
            ]
            self.session.set_function_breakpoints(names)
            self._changed()
        elif bp.path:
            self._set_path_breakpoints(
                bp.path, [_spec(b) for b in self.line_breakpoints(bp.path) if b is not bp]
            )

    def edit_condition(self, path: str, line: int) -> None:
        """Ask for the condition, hit count and log message of the breakpoint on `line` (a new one if none)."""
        from .screens.condition import ConditionScreen

        existing = self.line_breakpoints(path)
        bp = next((b for b in existing if line in (b.line, b.requested_line)), None)

        def done(result: tuple[str | None, str | None, str | None] | None) -> None:
            if result is None:
                return
            condition, hit, log = result
            specs = [_spec(b) for b in existing if b is not bp]
            specs.append(BreakpointSpec(bp.line if bp else line, condition, hit, log))
            self._set_path_breakpoints(path, specs)

        self.screen.dapp.push_screen(
            ConditionScreen(
                f"{self.screen.display_path(path)}:{line}",
                bp.condition if bp else None,
                bp.hit_condition if bp else None,
                bp.log_message if bp else None,
            ),
            done,
        )

    def add_function_breakpoint(self) -> None:
        from .screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            name = (text or "").strip()
            if not name:
                return
            names = [b.function for b in self.session.breakpoint_list() if b.function]
            if name not in names:
                self.session.set_function_breakpoints([*names, name])
            self._changed()

        self.screen.dapp.push_screen(
            PromptScreen("Function breakpoint", placeholder="checkout, Cart.total or shop.pricing.discount"),
            done,
        )
