"""A turn's tool call, on the generation its surface pinned (``CapsuleManager.call``).

The call goes to the pinned generation, or to the identical replacement of one that crashed
(``capsule/supervision.py``'s ``route``); a generation found dead since its last call is reported and replaced
first. Every call has a deadline, ``call_timeout`` (agent.toml): a call still running then is an error result
("timed out after N s"), and its generation is killed and replaced as if it had crashed (a hung synchronous tool
blocks its capsule; a stopped capsule answers nothing), so the turn goes on with the identical replacement. A
call whose capsule failed it (killed, drained, exited) is an error result that says what happened to it.

While it runs, the call is in its generation's ``in_flight`` (and ``call_started``): the drain waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from dapper_tui.capsule.connection import CapsuleError
from dapper_tui.capsule.generation import ENDED, Generation, GenerationState
from dapper_tui.capsule.project import AgentConfig, AgentProject
from dapper_tui.capsule.reaper import end_capsule
from dapper_tui.capsule.supervision import Supervisor, route
from dapper_tui.capsule.surface import Surface, script_meta


class ToolCalls:
    """Tool calls on pinned surfaces; ``current`` gives the surface the next turn gets."""

    def __init__(
        self,
        project: AgentProject,
        config: AgentConfig,
        supervisor: Supervisor,
        current: Callable[[], Surface],
    ) -> None:
        self.project = project
        self.config = config
        self._supervisor = supervisor
        self._current = current

    async def call(self, surface: Surface, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        """``(result, is_error)`` of tool ``name`` on ``surface``'s generation (not redacted yet)."""
        pinned = surface.generation
        if pinned is None:
            return "no capsule is running (the tools failed to load; fix them and save)", True
        gen, problem = await self._route(pinned)
        if gen is None:
            return problem, True
        if gen.state in (GenerationState.CLOSED, GenerationState.KILLED):
            return f"capsule generation {gen.number} was {gen.state} before this call", True
        meta = None
        if name == "run_script" and any(t.name == name and t.file == "<builtin>" for t in surface.tools):
            meta = script_meta(self.project, surface, arguments.get("name"))
        key = id(asyncio.current_task())
        gen.in_flight[key] = name
        gen.call_started[key] = asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(gen.conn.call_tool(name, arguments, meta), self.config.call_timeout)
        except CapsuleError as exc:
            return await self._failed(gen, name, exc), True
        except TimeoutError:
            return await self._timed_out(gen, name), True
        finally:
            gen.in_flight.pop(key, None)
            gen.call_started.pop(key, None)

    async def _route(self, pinned: Generation) -> tuple[Generation | None, str]:
        wait_s = self.config.start_timeout + 5.0
        gen, problem = await route(pinned, wait_s)
        if (
            gen is not None
            and gen.conn.closed.is_set()
            and not gen.closing
            and gen.state != GenerationState.EXITED
        ):
            await self._supervisor.settle(gen)  # it died since its last call: report it, then route again
            gen, problem = await route(pinned, wait_s)
        return gen, problem

    async def _timed_out(self, gen: Generation, name: str) -> str:
        """A call outlived ``call_timeout``: kill its generation (a hung tool blocks it) and let it be replaced."""
        what = f"tool {name} timed out after {self.config.call_timeout:g} s"
        if gen.state not in ENDED and not gen.closing and not gen.ended_by:
            gen.ended_by = what
            end_capsule(gen.pid)
            await self._supervisor.settle(gen)  # reported and replaced before the turn's next call routes
        return f"{what}; capsule generation {gen.number} was killed, since a hung tool blocks it"

    async def _failed(self, gen: Generation, name: str, exc: CapsuleError) -> str:
        """The error result of a tool call whose capsule failed it."""
        if gen.ended_by:
            return f"capsule generation {gen.number} was killed during this call: {gen.ended_by}"
        if gen.state == GenerationState.KILLED:
            return f"capsule generation {gen.number}: killed at the drain deadline"
        if not gen.conn.closed.is_set() or gen.closing:
            return f"capsule generation {gen.number}: {exc}"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gen.conn.proc.wait(), 2.0)
        gen.exit_code = gen.conn.proc.returncode
        current = self._current()
        after = (
            "a new generation is starting (see the reload log)"
            if current.generation is gen
            else f"the next turn uses generation {current.generation_number}"
        )
        return f"capsule generation {gen.number} {gen.exit_text} during this call (tool {name}); {after}"
