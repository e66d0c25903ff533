"""The agent pane: thread list, the live thread, and a composer. It drives an AgentRuntime (capsule/) on the
app's asyncio loop, or, with `watch=True`, follows threads another process writes (read-only).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dapper_tui.capsule.events import Event
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from .thread_view import ThreadView

if TYPE_CHECKING:
    from dapper_tui.capsule.runtime import AgentRuntime
    from dapper_tui.reload.coordinator import ReloadCoordinator

NEW_THREAD = "__new__"
LINE_BREAK = "⏎"  # a line break inside the one-line composer


class Composer(Input):
    """The message line. A pasted text of several lines keeps its lines (shown as ⏎, sent as line breaks), so
    a message of several `/call` lines can be sent from here as from the headless CLI."""

    def _on_paste(self, event: events.Paste) -> None:
        # Textual also calls Input's own handler, which keeps only the first line, unless told not to.
        event.prevent_default()
        if event.text and ("\n" in event.text or "\r" in event.text):
            text = LINE_BREAK.join(event.text.splitlines())
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
            event.stop()
            return
        super()._on_paste(event)

    @property
    def message(self) -> str:
        """What is sent: the text with its line breaks."""
        return self.value.replace(LINE_BREAK, "\n")


class AgentPane(Vertical):
    DEFAULT_CSS = """
    AgentPane { height: 1fr; }
    AgentPane #agent-status { height: 1; background: $boost; color: $text-muted; padding: 0 1; }
    AgentPane #agent-body { height: 1fr; }
    AgentPane #agent-threads { width: 28; height: 1fr; border: round $primary 40%; }
    AgentPane #agent-threads:focus { border: round $accent; }
    AgentPane ThreadView { border: round $primary 40%; }
    AgentPane ThreadView:focus { border: round $accent; }
    AgentPane #agent-composer { dock: bottom; }
    """

    class Ready(Message):
        """The runtime started (or failed to): the status line says which."""

    def __init__(
        self,
        project_dir: str | Path,
        *,
        coordinator: ReloadCoordinator | None = None,
        watch: bool = False,
        model: str | None = None,
        id: str | None = "agent",
    ) -> None:
        super().__init__(id=id)
        self.project_dir = Path(project_dir)
        self.coordinator = coordinator
        self.watch = watch
        self.model = model
        self.runtime: AgentRuntime | None = None
        self.thread_id: str | None = None
        self._follow: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None
        self._started = asyncio.Event()  # the first capsule generation is current: turns may run
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static("starting agent…", id="agent-status")
        threads = OptionList(id="agent-threads")
        threads.border_title = "Threads"
        with Horizontal(id="agent-body"):
            yield threads
            with Vertical():
                view = ThreadView(id="agent-thread")
                view.border_title = "Thread (read-only)" if self.watch else "Thread"
                yield view
                if not self.watch:
                    yield Composer(
                        placeholder="message, or /call TOOL {json}   (Enter sends; pasted lines are kept)",
                        id="agent-composer",
                    )

    @property
    def view(self) -> ThreadView:
        return self.query_one(ThreadView)

    # -- life cycle ---------------------------------------------------------------------------------------
    async def on_mount(self) -> None:
        if self.watch:
            from dapper_tui.capsule.threads import ThreadStore

            self._store = ThreadStore(self.project_dir / "data")
            self._status(f"watching {self.project_dir / 'data'} (read-only)")
            self.refresh_threads()
            infos = self._store.list()
            if infos:
                self.show_thread(infos[-1].id)
            self.set_interval(0.5, self.refresh_threads)
            self.post_message(self.Ready())
            return
        self.start_runtime()

    @work(exclusive=True, group="agent-start")
    async def start_runtime(self) -> None:
        from dapper_tui.capsule.runtime import AgentRuntime

        try:
            runtime = AgentRuntime(self.project_dir, coordinator=self.coordinator, model=self.model)
            self.runtime = runtime
            self._unsubscribe = runtime.subscribe(self._on_runtime_event)
            await runtime.start()
        except Exception as exc:
            self.runtime = None
            self._status(f"agent failed to start: {exc}", error=True)
            self.post_message(self.Ready())
            return
        self._started.set()
        self._update_status()
        self._update_suggestions()
        self.refresh_threads()
        threads = runtime.threads()
        if threads:
            self.show_thread(threads[-1].id)
        self.post_message(self.Ready())

    async def on_unmount(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
        if self.runtime is not None:
            if self._unsubscribe:
                self._unsubscribe()
            await self.runtime.close()

    # -- status, threads, prompts ---------------------------------------------------------------------------
    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#agent-status", Static)
        status.update(text)
        status.styles.color = "red" if error else None

    def _update_status(self) -> None:
        rt = self.runtime
        if rt is None or rt.manager is None:
            return
        tools = ", ".join(t.name for t in rt.tools()) or "no tools"
        self._status(f"{rt.config.name}  ·  revision {rt.revision}  ·  {rt._model_spec}  ·  tools: {tools}")

    def _update_suggestions(self) -> None:
        if self.runtime is None or self.watch:
            return
        words = [f"/call {t.name} " for t in self.runtime.tools()]
        words += [p.body.strip() for p in self.runtime.prompts() if p.body.strip()]
        self.query_one("#agent-composer", Input).suggester = SuggestFromList(words, case_sensitive=False)

    def refresh_threads(self) -> None:
        store = self.runtime.store if self.runtime else getattr(self, "_store", None)
        if store is None:
            return
        options = self.query_one("#agent-threads", OptionList)
        infos = store.list()
        wanted = [(i.id, _short(i.title or i.id)) for i in infos]
        if not self.watch:
            wanted.append((NEW_THREAD, "+ new thread"))
        current = [options.get_option_at_index(i).id for i in range(options.option_count)]
        if current == [w[0] for w in wanted]:
            return
        options.clear_options()
        options.add_options([Option(label, id=tid) for tid, label in wanted])

    def show_thread(self, thread_id: str | None) -> None:
        """Switch the view to a thread: its whole history, then live events."""
        self.thread_id = thread_id
        view = self.view
        view.clear()
        view.thread_id = thread_id
        if thread_id is None:
            if self.runtime is not None and not self.watch:
                self.runtime.activate_thread(None)  # a new thread: records are held until it exists
            return
        if self.watch:
            if self._follow is not None:
                self._follow.cancel()
            self._follow = asyncio.get_running_loop().create_task(self._follow_thread(thread_id))
            return
        assert self.runtime is not None
        for event in self.runtime.history(thread_id):
            view.add_event(event)
        # The thread on screen is the one being worked in: reload records are written to it from now on.
        self.runtime.activate_thread(thread_id)

    async def _follow_thread(self, thread_id: str) -> None:
        async for event in self._store.afollow(thread_id):
            if self.thread_id != thread_id:
                return
            self.view.add_event(event)

    @on(OptionList.OptionSelected, "#agent-threads")
    def _thread_chosen(self, event: OptionList.OptionSelected) -> None:
        tid = event.option.id
        self.show_thread(None if tid == NEW_THREAD else tid)
        if not self.watch:
            self.query_one("#agent-composer", Input).focus()

    # -- sending ------------------------------------------------------------------------------------------
    @on(Input.Submitted, "#agent-composer")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.input.message.strip() if isinstance(event.input, Composer) else event.value.strip()
        if not text:
            return
        event.input.value = ""
        self.send(text)

    def send(self, text: str) -> None:
        """Run a turn. A message sent while the first capsule is still starting waits for it."""
        if self.runtime is None:
            self.app.notify("the agent is not running (see the status line)", severity="error")
            return
        self.busy = True
        self._run_turn(text)

    @work(group="agent-turn", exit_on_error=False)
    async def _run_turn(self, text: str) -> None:
        self.busy = True
        try:
            await self._started.wait()
            assert self.runtime is not None
            if self.thread_id is None:  # a new thread: show it from its first event
                self.thread_id = self.runtime.store.new_id()
                self.view.clear()
                self.view.thread_id = self.thread_id
                self.runtime.open_thread(self.thread_id)
            async for _event in self.runtime.send(self.thread_id, text):
                pass  # events arrive through _on_runtime_event, for live updates from any source
        except Exception as exc:  # the turn failed outside the model's own errors: say so, keep the app
            self.view.add_event(
                Event(
                    "error",
                    self.thread_id or "",
                    self.runtime.revision if self.runtime and self.runtime.manager else 0,
                    {"message": f"the turn failed: {type(exc).__name__}: {exc}"},
                )
            )
            self.app.notify(f"the turn failed: {exc}", severity="error")
        finally:
            self.busy = False
            self.refresh_threads()

    def _on_runtime_event(self, event: Event) -> None:
        # Called on the app's loop (the runtime runs there). Reload records with no thread go to every view.
        if event.type == "reload":
            self._update_status()
            self._update_suggestions()
            if event.thread in ("", self.thread_id):
                if event.thread == "" and self.thread_id is not None:
                    return  # the same record arrives for our thread too
                self.view.add_event(event)
            return
        if event.thread == self.thread_id:
            self.view.add_event(event)

    async def force_reload(self) -> None:
        """The keyboard reload in the agent scope: a new capsule generation."""
        if self.runtime is not None and self.runtime.manager is not None:
            await self.runtime.force_reload()
            self._update_status()

    def prompts(self) -> list[Any]:
        return self.runtime.prompts() if self.runtime is not None and self.runtime.manager is not None else []

    def use_prompt(self, prompt: Any) -> None:
        if self.watch:
            return
        composer = self.query_one("#agent-composer", Input)
        composer.value = LINE_BREAK.join(prompt.body.strip().splitlines())
        composer.focus()


def _short(title: str, width: int = 22) -> str:
    title = " ".join(title.split())
    return title if len(title) <= width else title[: width - 1] + "…"
