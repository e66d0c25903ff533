"""The evaluate prompt's history: one expression a line in $XDG_STATE_HOME/dapper-tui/history (the user's, for
every project), newest last, kept across runs. Up and Down walk it as in a shell; what was typed before the first
Up comes back after the last Down."""

from __future__ import annotations

from pathlib import Path

MAX_ENTRIES = 1000


def history_file() -> Path:
    from dapper_tui.engine.persist import state_dir

    return state_dir() / "history"


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else history_file()
        self.entries: list[str] = self._load()
        self._index = len(self.entries)  # == len(entries): not browsing
        self._draft = ""

    def _load(self) -> list[str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return []
        return [line.replace("\\n", "\n") for line in text.splitlines() if line.strip()][-MAX_ENTRIES:]

    def add(self, entry: str) -> None:
        """Remember `entry` (not twice in a row) and write the file."""
        entry = entry.strip()
        if entry and (not self.entries or self.entries[-1] != entry):
            self.entries.append(entry)
            del self.entries[:-MAX_ENTRIES]
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                text = "\n".join(e.replace("\n", "\\n") for e in self.entries) + "\n"
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(self.path)
            except OSError:
                pass  # a read-only home: the history lasts for this run
        self._index = len(self.entries)
        self._draft = ""

    def older(self, current: str) -> str | None:
        """The entry before the one shown (Up); None at the oldest."""
        if self._index == len(self.entries):
            self._draft = current
        if self._index == 0:
            return None
        self._index -= 1
        return self.entries[self._index]

    def newer(self) -> str | None:
        """The entry after the one shown (Down); the draft after the newest; None when not browsing."""
        if self._index >= len(self.entries):
            return None
        self._index += 1
        return self.entries[self._index] if self._index < len(self.entries) else self._draft
