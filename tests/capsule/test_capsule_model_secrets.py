"""A `.env` secret never reaches the model provider through the tool list.

A tool whose parameter defaults to a value read from the environment (`token: str = os.environ["SERVICE_TOKEN"]`)
put that value in the tool's schema, and the console sent the schema to the model provider with every request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from capsule_helpers import ChatServer, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

SECRET = "svc-7f3a9c1e5b2d4068"

TOOL = '''
import os


def fetch(path: str, token: str = os.environ.get("SERVICE_TOKEN", "")) -> str:
    """Fetch a path from the service."""
    return "fetched " + path + (" with a token" if token == os.environ.get("SERVICE_TOKEN") else " without")
'''


def _call_then_text(body: dict[str, Any]) -> dict[str, Any]:
    if not [m for m in body["messages"] if m["role"] == "tool"]:
        return {"text": "", "tool_calls": [{"name": "fetch", "arguments": {"path": "/x"}}]}
    return {"text": "done"}


async def test_a_secret_default_is_redacted_from_the_schema_sent_to_the_model(tmp_path: Path) -> None:
    server = ChatServer(_call_then_text)
    try:
        root = make_project(tmp_path / "agent", model="openai:fake-model")
        write(root, "src/tools/fetch.py", TOOL)
        write(
            root,
            ".env",
            f"OPENAI_BASE_URL={server.url}\nOPENAI_API_KEY=sk-test-secret-123\nSERVICE_TOKEN={SECRET}\n",
        )
        async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
            events = await rt.run(None, "fetch /x")
        results = [e.data for e in events if e.type == "tool_result"]
        assert [r["result"] for r in results] == ["fetched /x with a token"]  # the tool still gets the value
        assert server.requests
        for request in server.requests:
            assert SECRET not in json.dumps(request)
        fetch = next(t for t in server.requests[0]["tools"] if t["function"]["name"] == "fetch")
        assert fetch["function"]["parameters"]["properties"]["token"]["default"] == "[redacted]"
    finally:
        server.close()
