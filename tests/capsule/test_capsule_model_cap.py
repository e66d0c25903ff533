"""What the model gets of a long stored result is cut, with a note saying so (a real HTTP model server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from capsule_helpers import ChatServer, make_project
from dapper_tui.capsule.events import Event
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

THREAD = "20260101-000000-cafe01"


async def test_a_five_megabyte_stored_result_reaches_the_model_cut(tmp_path: Path) -> None:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        return {"text": "ok"}

    server = ChatServer(reply)
    try:
        root = make_project(tmp_path / "agent", model="openai:fake")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
        big = "\n".join(f"row {i} " + "x" * 60 for i in range(5_000_000 // 68))
        call = {"tool": "dump", "call_id": "c1", "step": 0}
        events = [  # written by a session whose result_max_bytes was higher, or before results were capped
            Event("user", THREAD, 1, {"text": "dump it"}, turn="t1"),
            Event("tool_call", THREAD, 1, {**call, "arguments": {}}, turn="t1"),
            Event("tool_result", THREAD, 1, {**call, "result": big, "is_error": False}, turn="t1"),
            Event("assistant", THREAD, 1, {"text": "dumped", "step": 1}, turn="t1"),
        ]
        threads = root / "data/threads"
        threads.mkdir(parents=True, exist_ok=True)
        (threads / f"{THREAD}.jsonl").write_text("".join(json.dumps(e.to_dict()) + "\n" for e in events))
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            await rt.run(THREAD, "and now?")
            limit = rt.config.result_max_bytes
    finally:
        server.close()
    tool = next(m for m in server.requests[0]["messages"] if m["role"] == "tool")
    assert len(tool["content"].encode()) <= limit
    assert tool["content"].startswith("row 0 ")
    assert f"[... cut for the model: {len(big)} characters in all" in tool["content"]
