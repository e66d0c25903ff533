"""The agent runtime: project loader, capsule host and manager, turn loop, model backends, thread store.

No Textual import, ever. The public entry point is ``AgentRuntime`` (``dapper_tui.capsule.runtime``); it is
imported lazily here so that the capsule host subprocess stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AgentRuntime", "Event"]


def __getattr__(name: str) -> Any:
    if name == "AgentRuntime":
        from dapper_tui.capsule.runtime import AgentRuntime

        return AgentRuntime
    if name == "Event":
        from dapper_tui.capsule.events import Event

        return Event
    raise AttributeError(name)
