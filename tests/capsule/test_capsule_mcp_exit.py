"""How `dapper-tui mcp DIR` ends when its client exits, through the real Python MCP client over stdio: it exits 0
by itself, and says that it leaves tool threads running only when a tool's thread really is still running."""

from __future__ import annotations

from pathlib import Path

from mcp_helpers import ServerStderr, connect, typed_project


async def test_a_normal_client_exit_ends_the_server_quietly(tmp_path: Path) -> None:
    root = typed_project(tmp_path)
    # three clients in turn: the old server said "tool threads still running" after most normal exits, not all
    for n in range(3):
        stderr = ServerStderr(tmp_path / f"stderr-{n}.txt")
        async with connect(root, stderr=stderr) as (client, _seen):
            assert (await client.call_tool("paint", {"color": "red"})).content[0].text == "Color.RED"  # sync
            assert (await client.call_tool("crunch", {"steps": 2})).content[
                0
            ].text == "crunched"  # async, last
        text = stderr.text()
        assert "dapper-tui mcp: " in text  # the server's own start-up line: this is its stderr
        assert "still running" not in text, text
        assert stderr.exit_status() == 0, text  # exited by itself, before the client's kill
