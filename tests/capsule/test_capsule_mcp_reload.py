"""`dapper-tui mcp DIR` hot reload, through the real Python MCP client over stdio: one list_changed per applied
reload however many requests came before, and a bad save never takes the server down."""

from __future__ import annotations

from pathlib import Path

from capsule_helpers import make_project
from helpers import write
from mcp_helpers import ServerStderr, connect

TOOL = '''\
VERSION = "{v}"


def version() -> str:
    """The tool module's version."""
    return VERSION
'''


async def _fence(root: Path, seen, n: int) -> None:  # type: ignore[no-untyped-def]
    """A prompt save: its prompts/list_changed comes after every notification of the saves before it."""
    write(root, "src/prompts/fence.md", f"fence {n}\n")
    await seen.until(lambda: seen.prompts_changed >= n)


async def test_five_saves_with_fifty_requests_between_send_exactly_five_notifications(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/t.py", TOOL.format(v="v0"))
    async with connect(root) as (client, seen):
        assert (await client.call_tool("version", {})).content[0].text == "v0"
        await _fence(root, seen, 1)  # the watcher is running
        for save in range(1, 6):
            for _ in range(50):
                await client.list_tools()
            write(root, "src/tools/t.py", TOOL.format(v=f"v{save}"))
            await seen.until(lambda save=save: seen.tools_changed >= save)
            assert (await client.call_tool("version", {})).content[0].text == f"v{save}"
        await _fence(root, seen, 2)
        assert seen.tools_changed == 5


async def test_bad_saves_keep_the_server_and_the_other_tools(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/t.py", TOOL.format(v="v1"))
    write(root, "src/tools/other.py", "def other() -> str:\n    return 'other'\n")
    async with connect(root) as (client, seen):
        await _fence(root, seen, 1)

        # a parameter type without a JSON schema: that tool is left out, logged; the rest of the file serves
        write(
            root,
            "src/tools/other.py",
            "import socket\n\n\ndef other() -> str:\n    return 'other2'\n\n\n"
            "def wire(sock: socket.socket) -> str:\n    return 'never'\n",
        )
        await seen.until(lambda: seen.log_with("'wire' left out") is not None)
        await seen.until(lambda: seen.tools_changed == 1)
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"version", "other"}
        assert (await client.call_tool("other", {})).content[0].text == "other2"

        # a file that does not import: logged (with the error), its previous tools keep answering, no list_changed
        write(root, "src/tools/t.py", "def version( -> str:\n")
        await seen.until(lambda: seen.log_with("SyntaxError") is not None)
        assert "t.py" in (seen.log_with("SyntaxError") or "")
        assert (await client.call_tool("version", {})).content[0].text == "v1"
        await _fence(root, seen, 2)
        assert seen.tools_changed == 1

        # a missing package: the hint points at requirements.txt
        write(
            root, "src/tools/dep.py", "import not_installed_pkg_xyz\n\n\ndef dep() -> str:\n    return 'x'\n"
        )
        await seen.until(lambda: seen.log_with("not_installed_pkg_xyz") is not None)
        assert "requirements.txt" in (seen.log_with("not_installed_pkg_xyz") or "")

        # fixed: served again, one more list_changed
        write(root, "src/tools/t.py", TOOL.format(v="v2"))
        await seen.until(lambda: seen.tools_changed == 2)
        assert (await client.call_tool("version", {})).content[0].text == "v2"


async def test_modern_client_gets_one_listen_event_per_reload(tmp_path: Path) -> None:
    """A 2026-07-28 client (the SDK's default mode) hears of reloads through subscriptions/listen."""
    import anyio
    from mcp import Client
    from mcp.shared.subscriptions import PromptsListChanged, ToolsListChanged
    from mcp_helpers import server_params

    root = make_project(tmp_path / "agent")
    write(root, "src/tools/t.py", TOOL.format(v="v0"))
    async with (
        Client(server_params(root)) as client,
        client.listen(tools_list_changed=True, prompts_list_changed=True) as sub,
    ):
        events: list[object] = []

        async def collect() -> None:
            async for event in sub:
                events.append(event)

        def count(kind: type) -> int:
            return sum(isinstance(e, kind) for e in events)

        async def until(check) -> None:  # type: ignore[no-untyped-def]
            with anyio.fail_after(20):
                while not check():
                    await anyio.sleep(0.02)

        async with anyio.create_task_group() as tg:
            tg.start_soon(collect)
            for save in range(1, 4):
                for _ in range(20):
                    await client.list_tools()
                write(root, "src/tools/t.py", TOOL.format(v=f"v{save}"))
                await until(lambda save=save: count(ToolsListChanged) >= save)
                assert (await client.call_tool("version", {})).content[0].text == f"v{save}"
            write(root, "src/prompts/fence.md", "fence\n")  # published after every tool event before it
            await until(lambda: count(PromptsListChanged) >= 1)
            assert count(ToolsListChanged) == 3
            tg.cancel_scope.cancel()


async def test_a_call_past_call_timeout_is_an_error_and_the_server_goes_on(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    with (root / "agent.toml").open("a") as fh:
        fh.write("call_timeout = 1\n")  # [runtime] is the last table of make_project's agent.toml
    write(root, "src/tools/t.py", TOOL.format(v="v1"))
    write(
        root,
        "src/tools/hang.py",
        "import time\n\n\ndef hang() -> str:\n    time.sleep(60)\n    return 'late'\n",
    )
    stderr = ServerStderr(tmp_path / "stderr.txt")
    async with connect(root, stderr=stderr) as (client, seen):
        hung = await client.call_tool("hang", {})
        assert hung.is_error
        assert "did not return within 1 s" in hung.content[0].text
        assert seen.log_with("did not return within 1 s") is not None
        assert (await client.call_tool("version", {})).content[0].text == "v1"
    # the client has gone while hang's thread sleeps on: the server says so and exits 0 without waiting for it
    assert "client gone; ending with tool calls still running: hang" in stderr.text(), stderr.text()
    assert stderr.exit_status() == 0, stderr.text()


async def test_a_folder_moved_in_under_prompts_and_tools_is_served(tmp_path: Path) -> None:
    """A folder that arrives whole (mv, cp -r, git checkout): its files have no event of their own."""
    import os

    root = make_project(tmp_path / "agent")
    write(root, "src/tools/t.py", TOOL.format(v="v1"))
    outside = tmp_path / "outside"
    write(outside, "prompts/hello.md", "Say hello to {{who}}.\n")
    write(outside, "tools/extra/more.py", "def more() -> str:\n    return 'more'\n")
    async with connect(root) as (client, seen):
        assert (await client.call_tool("version", {})).content[0].text == "v1"
        os.rename(outside / "prompts", root / "src/prompts")  # src/prompts did not exist
        await seen.until(lambda: seen.prompts_changed >= 1)
        assert [p.name for p in (await client.list_prompts()).prompts] == ["hello"]
        os.rename(outside / "tools/extra", root / "src/tools/extra")
        await seen.until(lambda: seen.tools_changed >= 1)
        assert (await client.call_tool("more", {})).content[0].text == "more"
