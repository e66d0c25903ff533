"""The agent pane: thread list, the live thread, and a composer. It drives an AgentRuntime (capsule/) on the
app's asyncio loop, or, with `watch=True`, follows threads another process writes (read-only).

A message sent while a turn runs waits in a queue (shown above the composer) and runs when the turns before
it have ended. Esc or Ctrl+C while a turn runs cancels it (its call in flight gets a ``cancelled`` result);
the queue then goes on. A message with ``{{placeholders}}`` (a prompt from the palette, or typed) asks for
their values before it is sent. In a narrow pane the thread list is narrower, so the thread keeps most of the
width.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dapper_tui.capsule.events import Event
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from .prompt_form import PromptValues, fill, placeholders
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
    AgentPane.-narrow #agent-threads { width: 16; }
    AgentPane #agent-threads:focus { border: round $accent; }
    AgentPane ThreadView { border: round $primary 40%; }
    AgentPane.-narrow ThreadView { padding: 0; }
    AgentPane ThreadView:focus { border: round $accent; }
    AgentPane #agent-queue { height: auto; max-height: 4; color: $warning; padding: 0 1; display: none; }
    AgentPane #agent-queue.-queued { display: block; }
    AgentPane #agent-composer { dock: bottom; }
    """
    NARROW = 100  # columns below which the thread list narrows
    BINDINGS = [
        # priority: before the composer's own Esc and Ctrl+C (copy); only while a turn runs (check_action)
        Binding("escape", "cancel_turn", "Cancel turn", priority=True, show=False),
        Binding("ctrl+c", "cancel_turn", "Cancel turn", priority=True, show=False),
    ]

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
        self.watch_mode = watch
        self.model = model
        self.runtime: AgentRuntime | None = None
        self.thread_id: str | None = None
        self._follow: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None
        self._started = asyncio.Event()  # the first capsule generation is current: turns may run
        self.busy = False  # a turn is running or about to (queued messages included)
        self.queue: list[str] = []  # messages sent while a turn runs, run in order after it

    def compose(self) -> ComposeResult:
        yield Static("starting agent…", id="agent-status")
        threads = OptionList(id="agent-threads")
        threads.border_title = "Threads"
        with Horizontal(id="agent-body"):
            yield threads
            with Vertical():
                view = ThreadView(id="agent-thread")
                view.border_title = "Thread (read-only)" if self.watch_mode else "Thread"
                yield view
                if not self.watch_mode:
                    yield Static("", id="agent-queue")
                    yield Composer(
                        placeholder="message, or /call TOOL {json}   (Enter sends; pasted lines are kept)",
                        id="agent-composer",
                    )

    @property
    def view(self) -> ThreadView:
        return self.query_one(ThreadView)

    # -- life cycle ---------------------------------------------------------------------------------------
    async def on_mount(self) -> None:
        if self.watch_mode:
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
        if threads and self.thread_id is None and not self.busy:
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
        if self.runtime is None or self.watch_mode:
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
        if not self.watch_mode:
            wanted.append((NEW_THREAD, "+ new thread"))
        current = [options.get_option_at_index(i).id for i in range(options.option_count)]
        if current == [w[0] for w in wanted]:
            return
        options.clear_options()
        options.add_options([Option(label, id=tid) for tid, label in wanted])

    def show_thread(self, thread_id: str | None) -> None:
        """Switch the view to a thread: its whole history, then live events."""
        view = self.view
        view.clear()
        if thread_id is None:
            self.thread_id = view.thread_id = None
            if self.runtime is not None and not self.watch_mode:
                self.runtime.activate_thread(None)  # a new thread: records are held for it until it exists
            return
        if self.watch_mode:
            self.thread_id = view.thread_id = thread_id
            if self._follow is not None:
                self._follow.cancel()
            self._follow = asyncio.get_running_loop().create_task(self._follow_thread(thread_id))
            return
        assert self.runtime is not None
        # The thread on screen is the one being worked in: reload records are written to it from now on.
        # Opened for writing first: calls an earlier session left open are closed (interrupted) in the file,
        # so the history read next shows them so.
        self.thread_id = view.thread_id = None  # what opening publishes is in the history read next
        self.runtime.activate_thread(thread_id)
        self.thread_id = view.thread_id = thread_id
        view.load(self.runtime.history(thread_id), running=self.runtime.turn_running(thread_id))

    async def _follow_thread(self, thread_id: str) -> None:
        from dapper_tui.capsule.threads import writer_alive

        path = self._store.path(thread_id)
        checked = False
        async for event in self._store.afollow(thread_id):
            if self.thread_id != thread_id:
                return
            self.view.add_event(event)
            if not checked and self.view.running_tools and not writer_alive(path):
                checked = True  # no process writes the thread: its open calls will never be answered
                self.view.close_open_calls()

    @on(OptionList.OptionSelected, "#agent-threads")
    def _thread_chosen(self, event: OptionList.OptionSelected) -> None:
        tid = event.option.id
        self.show_thread(None if tid == NEW_THREAD else tid)
        if not self.watch_mode:
            self.query_one("#agent-composer", Input).focus()

    # -- sending ------------------------------------------------------------------------------------------
    @on(Input.Submitted, "#agent-composer")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.input.message.strip() if isinstance(event.input, Composer) else event.value.strip()
        if not text:
            return
        names = placeholders(text)
        if names:  # ask for the values first; the text stays in the composer until they are given
            self.ask_values(text, names, send=True)
            return
        event.input.value = ""
        self.send(text)

    def ask_values(self, text: str, names: list[str], *, send: bool, title: str = "") -> None:
        """Ask for the placeholders' values, then send the filled-in text (or put it in the composer)."""

        def done(values: dict[str, str] | None) -> None:
            composer = self.query_one("#agent-composer", Composer)
            if values is None:
                composer.focus()
                return
            filled = fill(text, values)
            if send:
                composer.value = ""
                self.send(filled)
            else:
                composer.value = LINE_BREAK.join(filled.splitlines())
            composer.focus()

        heading = title or "Fill in the prompt"
        self.app.push_screen(PromptValues(heading, names), done)

    def send(self, text: str) -> None:
        """Run a turn. A message sent while a turn runs waits for it (and for those queued before it); one
        sent while the first capsule is still starting waits for it."""
        if self.runtime is None:
            self.app.notify("the agent is not running (see the status line)", severity="error")
            return
        if self.busy:
            self.queue.append(text)
            self._show_queue()
            return
        self.busy = True
        self._run_turns(text)

    def _show_queue(self) -> None:
        queued = self.query("#agent-queue")
        if not queued:
            return
        label = queued.first(Static)
        lines = [f"queued ({i}): {_short(t, 60)}" for i, t in enumerate(self.queue, 1)]
        label.update("\n".join(lines[:3]) + (f"\n… and {len(lines) - 3} more" if len(lines) > 3 else ""))
        label.set_class(bool(self.queue), "-queued")

    @work(group="agent-turn", exit_on_error=False)
    async def _run_turns(self, text: str) -> None:
        self.busy = True
        try:
            while True:
                await self._run_turn(text)
                if not self.queue:
                    break
                text = self.queue.pop(0)
                self._show_queue()
        finally:
            self.busy = False
            self._show_queue()
            self.refresh_threads()

    async def _run_turn(self, text: str) -> None:
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
            self.refresh_threads()

    @property
    def turn_running(self) -> bool:
        return self.runtime is not None and self.runtime.turn_running(self.thread_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_turn":
            return self.turn_running  # otherwise the key does what it does elsewhere
        return True

    def action_cancel_turn(self) -> None:
        """Esc or Ctrl+C: cancel the running turn (queued messages still run after it)."""
        if self.runtime is not None and self.runtime.cancel(self.thread_id):
            self.app.notify("turn cancelled", timeout=2)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < self.NARROW, "-narrow")

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
        """A prompt chosen in the palette: its placeholders are asked for, then it is in the composer."""
        if self.watch_mode:
            return
        body = prompt.body.strip()
        names = placeholders(body, list(getattr(prompt, "arguments", []) or []))
        if names:
            self.ask_values(body, names, send=False, title=f"Prompt: {prompt.name}")
            return
        composer = self.query_one("#agent-composer", Input)
        composer.value = LINE_BREAK.join(body.splitlines())
        composer.focus()


def _short(title: str, width: int = 22) -> str:
    title = " ".join(title.split())
    return title if len(title) <= width else title[: width - 1] + "…"
