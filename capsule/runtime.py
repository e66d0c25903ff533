"""``AgentRuntime``: the public surface of the agent capsule, for the headless CLI and the TUI alike.

    runtime = AgentRuntime(project_dir, coordinator=coordinator)   # coordinator optional (one is made)
    await runtime.start()
    async for event in runtime.send(thread_id, "hello"):           # thread_id None: a new thread
        ...
    runtime.subscribe(callback)       # every event, including "reload" events, as they happen
    runtime.threads(); runtime.history(thread_id); runtime.prompts(); runtime.tools()
    await runtime.force_reload()      # the keyboard reload: a new capsule generation
    await runtime.close()

The runtime registers an ``AgentScope`` ("agent") with the reload coordinator for its project folder. Every
reload record goes to the coordinator's log, to subscribers, and, as a ``reload`` event, into the session's
*current thread* (``active_thread``: the thread opened or sent to last, or set by ``activate_thread``) and into
any thread with a turn running. A record that arrives while no thread is current is published with thread
``""``; if such records include a failure, they are all written into the next thread that becomes current, so
a reload failure always lands in a thread. ``.env`` values are redacted from everything written to threads
and the log. A streamed reply is redacted as it streams: its ``assistant_delta`` texts go through one
``StreamRedactor`` per (thread, turn, step), so a secret split across two deltas is never shown either; what it
still holds back is shown as a last delta just before the step's ``assistant`` event.

Surface revisions come from a project-wide counter (``capsule/revisions.py``): two processes on one project
never number a surface alike, and a process numbers its surfaces above any revision of the threads opened
before ``start``, so within a thread a revision number always names one surface.

Opening a thread may repair it (a torn last record moved aside) or close the calls a killed session left open
(``interrupted`` results); either way an ``error`` notice is published, outside any turn.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.manager import CapsuleManager, Surface
from dapper_tui.capsule.models import Model, create_model
from dapper_tui.capsule.project import AgentProject, Row
from dapper_tui.capsule.prompts import Prompt
from dapper_tui.capsule.secrets import Redactor, StreamRedactor
from dapper_tui.capsule.threads import ThreadInfo, ThreadStore, ThreadWriter
from dapper_tui.capsule.tools import ToolSpec
from dapper_tui.capsule.turns import run_turn
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord

_KEEP_UNFILED = 50  # records kept while no thread is current


class AgentScope:
    """The agent's reload scope in the coordinator. ``apply`` may be called from any thread."""

    name = "agent"

    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime

    def claims(self, path: Path) -> bool:
        return self.runtime.project.claims(path)

    def apply(self, paths: list[Path]) -> list[ReloadRecord]:
        return self.runtime._apply_from_any_thread(paths)


class AgentRuntime:
    def __init__(
        self,
        project_dir: Path | str,
        *,
        coordinator: ReloadCoordinator | None = None,
        watch: bool = True,
        model: str | None = None,
        drain_timeout: float | None = None,
        warm_spare: bool | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.project = AgentProject(project_dir)
        self.config = self.project.config()
        self._own_coordinator = coordinator is None
        self.coordinator = coordinator or ReloadCoordinator()
        self.watch = watch
        self._env = dict(os.environ if env is None else env)
        self._model_spec = model or self._env.get("DAPPER_MODEL") or self.config.model
        self._drain_timeout = drain_timeout
        self._warm_spare = warm_spare
        self.store = ThreadStore(self.project.data_dir)
        self.redact = Redactor(self.project)  # only .env entries that are secrets (capsule/secrets.py)
        self.scope = AgentScope(self)
        self._writers: dict[str, ThreadWriter] = {}
        self._active: str | None = None
        self._running: dict[str, int] = {}  # threads with a turn running (turns in flight)
        self._unfiled: list[tuple[ReloadRecord, int]] = []  # (record, revision) while no thread is current
        self._floor_revision = 0  # the highest revision already used by a thread opened before start
        self.start_record: ReloadRecord | None = None
        self._thread_locks: dict[str, asyncio.Lock] = {}
        self._subscribers: list[Callable[[Event], None]] = []
        self._turn_queues: dict[str, asyncio.Queue[Event | None]] = {}
        self._turn_tasks: dict[str, asyncio.Task[str]] = {}  # the running turn of each thread
        self._cancelled: set[asyncio.Task[str]] = set()  # turns ended by ``cancel``
        self._streams: dict[tuple[str, str | None, object], StreamRedactor] = {}  # (thread, turn, step)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.manager: CapsuleManager | None = None
        self.model: Model | None = None
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> ReloadRecord:
        """Start the first capsule generation; returns its record (``failed``: the turns run without tools).

        Raises ``ModelError`` for a model spec that cannot be used.
        """
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        dotenv = self.project.env()
        self.redact.add(dotenv)
        self.model = create_model(
            self._model_spec, self.config.model_options, {**self._env, **dotenv}, self.project.root
        )
        self.manager = CapsuleManager(
            self.project,
            self.config,
            self._on_manager_record,
            drain_timeout=self._drain_timeout,
            warm_spare=self._warm_spare,
            redact=self.redact,
        )
        # The first surface (no capsule yet; what the turns see if the capsule cannot start) takes a number of
        # its own above every one used before; on a new project it is 0.
        revisions = self.manager.revisions
        if max(revisions.current(), self._floor_revision):
            initial = revisions.reserve(self._floor_revision)
            self.manager.surface = replace(self.manager.surface, revision=initial)
        self.start_record = await self.manager.start()
        if self.watch:
            self.coordinator.add_scope(self.scope, [self.project.root])
            if self._own_coordinator:
                await asyncio.to_thread(self.coordinator.start)
        self._started = True
        return self.start_record

    @property
    def tools_loaded(self) -> bool:
        """Whether a capsule generation is current (``False`` after a failed start, until a fix is saved)."""
        return self.manager is not None and self.manager.surface.generation is not None

    async def close(self) -> None:
        self._started = False  # a batch the watcher is still dispatching finds the scope closed
        if self.watch:
            self.coordinator.remove_scope(self.scope)
            if self._own_coordinator:
                await asyncio.to_thread(self.coordinator.stop)
        if self.manager is not None:
            await self.manager.close()
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    async def __aenter__(self) -> AgentRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- state ----------------------------------------------------------------------------------------------

    def _manager(self) -> CapsuleManager:
        if self.manager is None:
            raise RuntimeError("AgentRuntime.start() has not been awaited")
        return self.manager

    @property
    def surface(self) -> Surface:
        return self._manager().surface

    @property
    def revision(self) -> int:
        return self._manager().revision

    def tools(self) -> list[ToolSpec]:
        return list(self.surface.tools)

    def prompts(self) -> list[Prompt]:
        return list(self.surface.prompts.values())

    def threads(self) -> list[ThreadInfo]:
        return self.store.list()

    def history(self, thread_id: str) -> list[Event]:
        return self.store.read(thread_id)

    async def wait_for_revision(self, revision: int, timeout: float = 30.0) -> Surface:
        return await self._manager().wait_for_revision(revision, timeout)

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    # -- threads and events ---------------------------------------------------------------------------------

    @property
    def active_thread(self) -> str | None:
        """The session's current thread: reload records are written into it."""
        return self._active

    def activate_thread(self, thread_id: str | None) -> str | None:
        """Make ``thread_id`` the session's current thread (opened for writing), or none (``None``: a new
        thread not created yet; records are held for it). Returns the thread id."""
        if thread_id is None:
            self._active = None
            return None
        return self.open_thread(thread_id)

    def open_thread(self, thread_id: str | None = None) -> str:
        """Open (creating if needed) a thread for writing; it becomes the session's current thread."""
        thread_id = thread_id or self.store.new_id()
        if thread_id not in self._writers:
            new = not self.store.exists(thread_id)
            writer = self.store.writer(thread_id)
            self._writers[thread_id] = writer
            if self.manager is None:  # opened before start: revisions continue above the thread's own
                used = max((e.revision for e in self.store.read(thread_id)), default=0)
                self._floor_revision = max(self._floor_revision, used)
            if writer.repaired_bytes:
                self._emit(
                    Event(
                        type="error",
                        thread=thread_id,
                        revision=self.revision if self.manager else 0,
                        data={
                            "message": f"repaired a torn last record ({writer.repaired_bytes} bytes moved to "
                            f"{writer.path.name}.torn)"
                        },
                    )
                )
            if writer.interrupted:  # the writer stored the closing results and a notice: show the notice
                stored = self.store.read(thread_id)
                notice = next(
                    (e for e in reversed(stored) if e.type == "error" and e.get("interrupted")), None
                )
                if notice is not None:
                    notice.data = self.redact(notice.data)
                    self._publish(notice)
            if new:
                self._emit(
                    Event(
                        type="thread_start",
                        thread=thread_id,
                        revision=self.revision if self.manager else 0,
                        data={"agent": self.config.name, "model": self._model_spec},
                    )
                )
        self._active = thread_id
        self._file_unfiled(thread_id)
        return thread_id

    def _file_unfiled(self, thread_id: str) -> None:
        """Records from a time no thread was current go into this thread if any of them is a failure."""
        unfiled, self._unfiled = self._unfiled, []
        if not any(record.outcome in ("failed", "restart-required") for record, _ in unfiled):
            return
        for record, revision in unfiled:
            self._emit(
                Event(type="reload", thread=thread_id, revision=revision, data={"record": record.to_dict()})
            )

    def error(self, thread_id: str, message: str) -> None:
        """Write an ``error`` event into a thread (opened for writing if needed) and publish it."""
        if thread_id not in self._writers:
            self.open_thread(thread_id)
        self._emit(
            Event(
                type="error",
                thread=thread_id,
                revision=self.revision if self.manager else 0,
                data={"message": message},
            )
        )

    def _emit(self, event: Event) -> None:
        """Redact, store (unless the type is ephemeral) and publish an event."""
        if event.type == "assistant_delta":
            self._emit_delta(event)
            return
        if event.type == "assistant":
            self._end_stream(event)
        elif event.type == "turn_end":  # a step that ended without a reply (a model error) drops its tail
            for key in [k for k in self._streams if k[:2] == (event.thread, event.turn)]:
                del self._streams[key]
        event.data = self.redact(event.data)
        writer = self._writers.get(event.thread)
        if event.stored and writer is not None:
            writer.append(event)
        self._publish(event)

    def _emit_delta(self, event: Event) -> None:
        """A streamed piece of a reply, shown up to where a secret split across pieces could begin."""
        key = (event.thread, event.turn, event.get("step"))
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = StreamRedactor(self.redact)
        text = stream.feed(str(event.get("text", "")))
        if text:
            event.data = {k: text if k == "text" else self.redact(v) for k, v in event.data.items()}
            self._publish(event)

    def _end_stream(self, reply: Event) -> None:
        """The step's whole reply is here: what its stream still holds back is shown as a last delta."""
        stream = self._streams.pop((reply.thread, reply.turn, reply.get("step")), None)
        rest = stream.flush() if stream is not None else ""
        if rest:
            data = {"text": rest, "step": reply.get("step")}
            self._publish(Event("assistant_delta", reply.thread, reply.revision, data, turn=reply.turn))

    def _publish(self, event: Event) -> None:
        """Hand an event (already redacted, already stored if it is kept) to the turn's queue and subscribers."""
        queue = self._turn_queues.get(event.thread)
        if queue is not None:
            queue.put_nowait(event)
        for callback in list(self._subscribers):
            callback(event)

    def _on_manager_record(self, record: ReloadRecord) -> None:
        """Records the manager produces on its own (final outcomes of capsule swaps, kills)."""
        self._deliver(record)
        self.coordinator.publish(record)

    def _deliver(self, record: ReloadRecord) -> None:
        record.message = self.redact(record.message)
        record.detail = self.redact(record.detail)
        revision = self.revision
        targets = [t for t in self._writers if t == self._active or self._running.get(t)]
        if not targets:
            self._unfiled = [*self._unfiled, (record, revision)][-_KEEP_UNFILED:]
            for callback in list(self._subscribers):
                callback(
                    Event(type="reload", thread="", revision=revision, data={"record": record.to_dict()})
                )
        for thread_id in targets:
            self._emit(
                Event(type="reload", thread=thread_id, revision=revision, data={"record": record.to_dict()})
            )

    def _apply_from_any_thread(self, paths: list[Path]) -> list[ReloadRecord]:
        loop = self._loop
        if loop is None or not self._started:
            return []
        if threading.get_ident() == self._loop_thread:
            return self._apply(paths)
        future = asyncio.run_coroutine_threadsafe(self._apply_async(paths), loop)
        return future.result(timeout=30)

    async def _apply_async(self, paths: list[Path]) -> list[ReloadRecord]:
        return self._apply(paths)

    def _apply(self, paths: list[Path]) -> list[ReloadRecord]:
        if any(self.project.classify(Path(p)) is Row.ENV for p in paths):
            self.redact.add(self.project.env())  # old values stay redacted too
        records = self._manager().apply(paths)
        for record in records:
            self._deliver(record)
        return records

    # -- turns ----------------------------------------------------------------------------------------------

    async def send(self, thread_id: str | None, text: str) -> AsyncIterator[Event]:
        """Run one turn in ``thread_id`` (a new thread when ``None``) and yield its events as they happen."""
        manager = self._manager()
        assert self.model is not None
        thread_id = self.open_thread(thread_id)
        lock = self._thread_locks.setdefault(thread_id, asyncio.Lock())
        self._running[thread_id] = self._running.get(thread_id, 0) + 1
        try:
            async with lock:
                queue: asyncio.Queue[Event | None] = asyncio.Queue()
                self._turn_queues[thread_id] = queue
                history = self.store.read(thread_id)
                task = asyncio.get_running_loop().create_task(
                    run_turn(
                        manager=manager,
                        model=self.model,
                        thread=thread_id,
                        history=history,
                        text=text,
                        emit=self._emit,
                        max_steps=self.config.max_steps,
                    )
                )
                task.add_done_callback(lambda _t: queue.put_nowait(None))
                self._turn_tasks[thread_id] = task
                try:
                    while True:
                        event = await queue.get()
                        if event is None:
                            break
                        yield event
                    try:
                        await task
                    except asyncio.CancelledError:
                        if task not in self._cancelled:
                            raise
                finally:
                    self._turn_queues.pop(thread_id, None)
                    self._turn_tasks.pop(thread_id, None)
                    self._cancelled.discard(task)
                    if not task.done():
                        task.cancel()
        finally:
            self._running[thread_id] -= 1
            if not self._running[thread_id]:
                del self._running[thread_id]

    def turn_running(self, thread_id: str | None) -> bool:
        """Whether a turn is running in ``thread_id``."""
        task = self._turn_tasks.get(thread_id or "")
        return task is not None and not task.done()

    def cancel(self, thread_id: str | None) -> bool:
        """Cancel the turn running in ``thread_id``: its call in flight gets a ``cancelled`` error result, the
        thread a ``cancelled`` error, and ``send`` ends normally. ``False`` when no turn is running there."""
        task = self._turn_tasks.get(thread_id or "")
        if task is None or task.done():
            return False
        self._cancelled.add(task)
        task.cancel()
        return True

    async def run(self, thread_id: str | None, text: str) -> list[Event]:
        """``send`` collected into a list."""
        return [event async for event in self.send(thread_id, text)]

    async def force_reload(self) -> ReloadRecord:
        """The keyboard reload: force a new capsule generation; returns its final record."""
        manager = self._manager()
        pending = manager.request_replace({Row.TOOLS}, [self.project.tools_dir])
        self._deliver(pending)
        self.coordinator.publish(pending)
        await manager.wait_idle()
        return manager._last_record
