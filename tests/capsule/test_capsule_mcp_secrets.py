"""`dapper-tui mcp DIR` keeps `.env` secrets out of what the server itself sends: the tool listing (a default
read from the environment), a tool's error result and its traceback, the log messages of a file that failed to
import, and the server's stderr (which clients keep as its log). Tool results are the tools' own output and are
not redacted (README, known limits)."""

from __future__ import annotations

import json
from pathlib import Path

from capsule_helpers import make_project
from helpers import write
from mcp_helpers import ServerStderr, connect

SECRET = "tok-9f8e7d6c5b4a"

TOOLS = """\
import os


def fetch(path: str, token: str = os.environ.get("SERVICE_TOKEN", "")) -> str:
    \"\"\"Fetch a path of the service.\"\"\"
    return "fetched " + path if token == os.environ["SERVICE_TOKEN"] else "wrong token"


def denied() -> str:
    \"\"\"Fails as a client library does, with the URL it called.\"\"\"
    raise PermissionError(f"401 for https://service.example/api?token={os.environ['SERVICE_TOKEN']}")
"""

BROKEN = """\
import os

PORT = int(os.environ["SERVICE_TOKEN"])  # ValueError: its message quotes the value
"""


async def test_mcp_server_redacts_dotenv_secrets_from_listing_errors_and_logs(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, ".env", f"SERVICE_TOKEN={SECRET}\nNOTES_FILE=notes-file-name.json\n")
    write(root, "src/tools/service.py", TOOLS)
    write(root, "src/tools/broken.py", BROKEN)
    stderr = ServerStderr(tmp_path / "stderr.txt")
    async with connect(root, stderr=stderr) as (client, seen):
        listing = json.dumps([t.model_dump(mode="json") for t in (await client.list_tools()).tools])
        assert '"fetch"' in listing
        assert SECRET not in listing
        assert "[redacted]" in listing  # the default is there, without its value

        # the tool still gets the real value: only what the client sees is redacted
        fetched = await client.call_tool("fetch", {"path": "/x"})
        assert fetched.content[0].text == "fetched /x"

        failed = await client.call_tool("denied", {})
        assert failed.is_error
        error = failed.content[0].text
        assert error.startswith("PermissionError: 401 for https://service.example/api?token=")
        assert SECRET not in error

        await seen.until(
            lambda: seen.log_with("broken.py") is not None and seen.log_with("denied") is not None
        )
    logs = "\n".join(seen.logs)
    assert "ValueError" in logs
    assert SECRET not in logs
    text = stderr.text()
    assert "tool denied failed" in text
    assert "broken.py" in text
    assert SECRET not in text
