"""The capsule host speaks MCP: checked with the official `mcp` client over stdio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
from capsule_helpers import make_project
from helpers import write
from mcp import Client, StdioServerParameters


def _params(root: Path, *extra: str) -> StdioServerParameters:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return StdioServerParameters(
        command=sys.executable, args=["-u", "-m", "dapper_tui.capsule.host", str(root), *extra], env=env
    )


async def test_official_client_lists_and_calls_tools(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/boom.py", "def boom(reason: str = 'no') -> str:\n    raise ValueError(reason)\n")
    async with Client(_params(root), mode="legacy") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"version", "slow", "gated", "count", "boom"}
        assert tools["slow"].description == "Sleep, then report the version that answered."
        assert tools["slow"].input_schema["properties"]["seconds"]["type"] == "number"
        assert client.server_capabilities.tools is not None
        assert client.server_capabilities.tools.list_changed
        ok = await client.call_tool("slow", {"seconds": 0})
        assert (ok.is_error, ok.content[0].text) == (False, "v1")
        bad = await client.call_tool("slow", {"seconds": "soon"})
        assert bad.is_error
        assert "seconds: expected number" in bad.content[0].text
        err = await client.call_tool("boom", {"reason": "kaput"})
        assert err.is_error
        assert err.content[0].text == "ValueError: kaput"


async def test_watch_mode_sends_list_changed(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    changed = anyio.Event()

    async def on_message(message: object) -> None:
        if "ToolListChanged" in type(message).__name__ or "list_changed" in repr(message):
            changed.set()

    async with Client(_params(root, "--watch"), mode="legacy", message_handler=on_message) as client:
        assert "extra" not in {t.name for t in (await client.list_tools()).tools}
        await anyio.sleep(0.3)  # the watcher is listening
        write(root, "src/tools/extra.py", "def extra() -> str:\n    return 'new'\n")
        with anyio.fail_after(10):
            await changed.wait()
        assert "extra" in {t.name for t in (await client.list_tools()).tools}
        assert (await client.call_tool("extra", {})).content[0].text == "new"


def test_broken_tool_file_exits_without_serving(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/bad.py", "import definitely_not_installed_mod\n")
    status = tmp_path / "status.json"
    proc = subprocess.run(
        [sys.executable, "-m", "dapper_tui.capsule.host", str(root), "--status-file", str(status)],
        input="",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert "definitely_not_installed_mod" in proc.stderr
    failure = json.loads(status.read_text())["failures"][0]
    assert failure["file"].endswith("bad.py")
    assert "ModuleNotFoundError" in failure["error"]
