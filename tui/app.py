"""The Textual app: panes around one DebugSession.

Presentation only. Engine events arrive on debuggee threads and are queued for the app's loop
(`engine_events`); keys and commands become engine calls (`debugger_screen`). The app owns the session, the
project's saved state, the reload coordinator and the file watcher.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.screen import Screen

from .debugger_screen import DebuggerScreen
from .engine_events import EngineEvent, EventQueue, Launched
from .keys import KEYS
from .panes import PANES_CSS
from .pending_saves import PendingSaves


class ReloadRecordPosted(Message):
    """A record from the reload coordinator (a pending save, or another scope's outcome)."""

    def __init__(self, record: Any) -> None:
        super().__init__()
        self.record = record


class DebuggerApp(App[int]):
    """dapper-tui's full-screen debugger for one LaunchTarget."""

    TITLE = "dapper-tui"
    CSS_PATH = PANES_CSS
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {lambda: _prompts_provider()}

    def __init__(
        self,
        target: Any,
        *,
        stop_on_entry: bool = False,
        just_my_code: bool = True,
        agent_dir: str | None = None,
        persist: bool = True,
        auto_reload: bool = True,
        reload_clock: Any = None,
        runner: Any = None,
    ) -> None:
        super().__init__()
        from dapper_tui.engine.session import DebugSession

        self.target = target
        self.stop_on_entry = stop_on_entry
        self.just_my_code = just_my_code
        self.agent_dir = agent_dir
        self.auto_reload = auto_reload
        self.reload_clock = reload_clock
        self.pending = PendingSaves()
        self.events = EventQueue(self.post_message)  # engine events, from debuggee threads, drained in order
        self.session = DebugSession(self.events.post, just_my_code=just_my_code, runner=runner)
        self.main: DebuggerScreen | None = None
        self.project: Any = None
        self.initial_watches: list[str] = []
        # The one reload coordinator: the debugger's scope and the agent's (with --agent) both report into it,
        # and everything it records goes to the one reload log.
        from dapper_tui.reload.coordinator import ReloadCoordinator

        self.coordinator = ReloadCoordinator()
        self._watch_scope: Any = None  # the debugger's scope on the coordinator, once watching
        self._unsubscribe: Any = self.coordinator.subscribe(
            lambda record: self.post_message(ReloadRecordPosted(record))
        )
        self._preloaded: set[str] = set()
        self.painted: list[Callable[[], None]] = []  # called once, when the first screen is up (`launch`)
        self._base = os.path.dirname(target.program) if target.program else os.getcwd()
        if persist:
            from dapper_tui.engine.persist import ProjectState

            self.project = ProjectState.load(target.program or os.getcwd())
            self.project.follow(self.session)  # a reload that moves breakpoints saves them at once
            self.initial_watches = list(self.project.watches)

    # -- wiring -------------------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        self.main = DebuggerScreen(self)
        return self.main

    def on_engine_event(self, message: EngineEvent) -> None:
        for event in self.events.drain():
            if self.main is not None:
                self.main.events.handle(event)

    def on_reload_record_posted(self, message: ReloadRecordPosted) -> None:
        record = message.record
        if record.scope == "debugger" and record.outcome in ("applied", "failed"):
            return  # shown from the engine's Reloaded event
        if self.main is not None:
            self.main.reload_log.add_record(record)

    def display_path(self, path: str | None) -> str:
        if not path:
            return ""
        base = self._base + os.sep
        if path.startswith(base):
            return path[len(base) :]
        home = os.path.expanduser("~") + os.sep
        if path.startswith(home):
            return "~/" + path[len(home) :]
        return path

    def launch(self) -> None:
        """Restore the project's breakpoints and start the program (called once the screen is up)."""
        self.first_screen_up()
        self.restore_breakpoints()
        self._preloaded = set(sys.modules)
        self.session.launch(self.target, stop_on_entry=self.stop_on_entry)
        self.events.post(Launched())
        if self.auto_reload:
            self._start_watching()

    def first_screen_up(self) -> None:
        """Run what waited for the first screen (`painted`), once."""
        painted, self.painted = self.painted, []
        for callback in painted:
            callback()

    def restore_breakpoints(self) -> None:
        """The project's saved breakpoints into the session, and the breakpoints pane."""
        if self.project is not None:
            for path, specs in self.project.specs().items():
                self.session.set_breakpoints(path, specs)
            if self.project.function_breakpoints:
                self.session.set_function_breakpoints(self.project.function_breakpoints)
        if self.main is not None:
            self.main.bp_editor.refresh()

    def loaded_sources(self) -> list[Any]:
        """The program's loaded sources: modules it imported (the app's own process had others before), and
        those of the package `-m` launched (`-m rich` runs rich, which the app had imported)."""
        from dapper_tui.engine.sources import user_roots

        launched = user_roots()
        return [
            s
            for s in self.session.loaded_sources()
            if s.module == "__main__"
            or s.module not in self._preloaded
            or (launched and s.path.startswith(launched))
        ]

    @work(thread=True, group="watch")
    def _start_watching(self) -> None:
        from .autoreload import start_watching, watch_source_folder

        try:
            self._watch_scope = start_watching(self.coordinator, self.session, [self._base])
        except Exception as exc:  # no watcher: keys still reload
            self.call_from_thread(self.notify, f"reload on save is off: {exc}", severity="warning")
            return
        for source in self.loaded_sources():  # imported before the watcher was up
            watch_source_folder(self.coordinator, self._watch_scope, source.path)

    def watch_folder_of(self, path: str) -> None:
        """The program loaded `path`: make sure saving it reloads it, wherever it lives. Library modules are
        filtered here, so that importing the standard library starts no worker at all."""
        from dapper_tui.engine.sources import is_user_file

        if self._watch_scope is not None and is_user_file(path):
            self._watch_more(path)

    @work(thread=True, group="watch")
    def _watch_more(self, path: str) -> None:
        from .autoreload import watch_source_folder

        watch_source_folder(self.coordinator, self._watch_scope, path)

    def remember(self) -> None:
        if self.project is None or self.main is None:
            return
        try:
            self.project.remember(self.session.breakpoint_list(), self.main.watches.expressions)
        except OSError as exc:
            self.notify(f"could not save breakpoints: {exc}", severity="warning")

    async def action_quit(self) -> None:
        """Textual's Ctrl+Q (and the palette's Quit) ask first, as q does; Ctrl+Q on that question quits."""
        main = self.main
        if main is None:
            self.exit()
        elif main.quit_question is not None and self.screen is main.quit_question:
            main.quit_question.dismiss(True)
        else:
            main.action_quit_debugger()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        if main is None:
            return
        for key in KEYS:
            if key.palette:
                callback = getattr(main, f"action_{key.action}")
                yield SystemCommand(f"{key.description} ({key.display or key.keys})", key.help, callback)

    def on_unmount(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.coordinator.stop()
        if self.main is not None and self.project is not None:
            try:
                self.project.remember(self.session.breakpoint_list(), self.main.watches.expressions)
            except Exception:
                pass
        self.session.close()


def _prompts_provider() -> Any:
    """The agent's prompts in the palette (imported only when the palette opens)."""
    from .agent.prompts_provider import PromptsProvider

    return PromptsProvider
