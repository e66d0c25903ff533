"""Search and go to line in the source view.

`/` searches the file (smart case: case-insensitive unless the text has a capital), `n` / `N` go to the next /
previous match while a search is on (Escape ends it; without a search the keys are the screen's, `n` is step
over as ever); `g` or `:` goes to a line.
"""

from __future__ import annotations

from textual.actions import SkipAction

from .source_lines import SourceLines, smart_case_find


class SourceSearch(SourceLines):
    """The search and go-to-line actions of `SourceView` (which binds their keys)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._match_at: tuple[int, int] | None = None  # the match last gone to
        self._note = ""  # the line under the view when no search is on

    def action_search(self) -> None:
        from ..screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text:
                self.start_search(text)

        self.app.push_screen(
            PromptScreen("Search in the file", value=self.search or "", note="n / N: next / previous match"),
            done,
        )

    def start_search(self, text: str) -> None:
        """Search for `text` (smart case) and go to the first match at or after the cursor."""
        self.search = text
        self._find_matches()
        if not self.matches:
            self.app.notify(f"not found: {text}", severity="warning", timeout=3)
            self.end_search()
            return
        self._go_to_match(next((m for m in self.matches if m[0] >= self.cursor_line), self.matches[0]))

    def _find_matches(self) -> None:
        needle = self.search or ""
        self.matches = [
            (n, col) for n, line in enumerate(self.lines, 1) for col in smart_case_find(line, needle)
        ]

    def _go_to_match(self, match: tuple[int, int]) -> None:
        number = self.matches.index(match) + 1
        self._match_at = match
        self.border_subtitle = f"/{self.search}  match {number} of {len(self.matches)}  (n / N, Esc ends)"
        self._move_to(match[0])
        width = self.scrollable_content_region.width - self._gutter_width
        if not (self.scroll_offset.x <= match[1] < self.scroll_offset.x + max(1, width)):
            self.scroll_to(x=max(0, match[1] - 4), animate=False)

    def action_next_match(self, direction: int) -> None:
        if self.search is None or not self.matches:
            raise SkipAction()  # no search on: the key is the screen's (n steps over)
        # from the match last gone to (several can share a line), or from the cursor if it moved since
        if self._match_at is not None and self._match_at[0] == self.cursor_line:
            here = self._match_at
        else:
            here = (self.cursor_line, -1 if direction > 0 else 1 << 30)
        if direction > 0:
            found = next((m for m in self.matches if m > here), self.matches[0])
        else:
            found = next((m for m in reversed(self.matches) if m < here), self.matches[-1])
        self._go_to_match(found)

    def end_search(self) -> None:
        self.search = None
        self.matches = []
        self._match_at = None
        self.border_subtitle = self._note
        self.scroll_to(x=0, animate=False)  # a match far to the right scrolled the view sideways
        self.refresh()

    def action_end_search(self) -> None:
        if self.search is None:
            raise SkipAction()
        self.end_search()

    def action_ask_line(self) -> None:
        from ..screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text and text.strip().lstrip(":").isdigit():
                self.go_to_line(int(text.strip().lstrip(":")))
                self._cursor_moved = True
            elif text:
                self.app.notify(f"not a line number: {text}", severity="warning", timeout=3)

        self.app.push_screen(
            PromptScreen(f"Go to line (1-{len(self.lines)})", placeholder="line number"), done
        )
