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
reload record goes to the coordinator's log and, as a ``reload`` event, into every thread opened in this
runtime and to subscribers. ``.env`` values are redacted from everything written to threads and the log.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from dapper_tui.capsule.events import Event
from dapper_tui.capsule.manager import CapsuleManager, Surface
from dapper_tui.capsule.models import Model, create_model
from dapper_tui.capsule.project import AgentProject, Row
from dapper_tui.capsule.prompts import Prompt
from dapper_tui.capsule.threads import ThreadInfo, ThreadStore, ThreadWriter
from dapper_tui.capsule.tools import ToolSpec
from dapper_tui.capsule.turns import run_turn
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord

_REDACTED = "[redacted]"


class Redactor:
    def __init__(self) -> None:
        self.values: list[str] = []

    def add(self, env: dict[str, str]) -> None:
        values = set(self.values) | {v for v in env.values() if len(v) >= 4}
        self.values = sorted(values, key=len, reverse=True)

    def __call__(self, value: Any) -> Any:
        if not self.values:
            return value
        if isinstance(value, str):
            for secret in self.values:
                if secret in value:
                    value = value.replace(secret, _REDACTED)
            return value
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


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
        import os

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
        self.redact = Redactor()
        self.scope = AgentScope(self)
        self._writers: dict[str, ThreadWriter] = {}
        self._thread_locks: dict[str, asyncio.Lock] = {}
        self._subscribers: list[Callable[[Event], None]] = []
        self._turn_queues: dict[str, asyncio.Queue[Event | None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.manager: CapsuleManager | None = None
        self.model: Model | None = None
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
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
        )
        await self.manager.start()
        if self.watch:
            self.coordinator.add_scope(self.scope, [self.project.root])
            if self._own_coordinator:
                await asyncio.to_thread(self.coordinator.start)
        self._started = True

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

    def open_thread(self, thread_id: str | None = None) -> str:
        """Open (creating if needed) a thread for writing in this runtime; returns its id."""
        thread_id = thread_id or self.store.new_id()
        if thread_id not in self._writers:
            new = not self.store.exists(thread_id)
            writer = self.store.writer(thread_id)
            self._writers[thread_id] = writer
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
            if new:
                self._emit(
                    Event(
                        type="thread_start",
                        thread=thread_id,
                        revision=self.revision if self.manager else 0,
                        data={"agent": self.config.name, "model": self._model_spec},
                    )
                )
        return thread_id

    def _emit(self, event: Event) -> None:
        event.data = self.redact(event.data)
        writer = self._writers.get(event.thread)
        if event.stored and writer is not None:
            writer.append(event)
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
        if not self._writers:
            for callback in list(self._subscribers):
                callback(
                    Event(type="reload", thread="", revision=self.revision, data={"record": record.to_dict()})
                )
        for thread_id in list(self._writers):
            self._emit(
                Event(
                    type="reload", thread=thread_id, revision=self.revision, data={"record": record.to_dict()}
                )
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
            try:
                while True:
                    event = await queue.get()
                    if event is None:
                        break
                    yield event
                await task
            finally:
                self._turn_queues.pop(thread_id, None)
                if not task.done():
                    task.cancel()

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
