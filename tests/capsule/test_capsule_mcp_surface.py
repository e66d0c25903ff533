"""`dapper-tui mcp DIR`'s tool surface, through the real Python MCP client over stdio: typed parameters and results,
a tool the SDK cannot describe left out (not the server), prompts, data/ resources, progress and log messages."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from capsule_helpers import make_project
from helpers import write
from mcp import Client, StdioServerParameters
from mcp_helpers import DAPPER, TYPED_TOOLS, connect, typed_project


async def test_typed_parameters_results_prompts_resources_progress_and_logs(tmp_path: Path) -> None:
    root = typed_project(tmp_path)
    async with connect(root) as (client, seen):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {
            "paint",
            "place",
            "span",
            "pick",
            "crunch",
            "fail",
        }  # `broken` left out, not the rest
        await seen.until(lambda: seen.log_with("'broken' left out") is not None)
        assert "typed.py" in (seen.log_with("'broken' left out") or "")

        # Enum: arrives as the member; its values are in the schema; the docstring's Args line describes it
        paint = tools["paint"].input_schema
        assert paint["$defs"]["Color"]["enum"] == ["red", "blue"]
        assert paint["properties"]["color"]["description"] == "the colour to paint with."
        assert (await client.call_tool("paint", {"color": "blue"})).content[0].text == "Color.BLUE"
        wrong = await client.call_tool("paint", {"color": "green"})
        assert wrong.is_error
        assert "color" in wrong.content[0].text

        # Annotated[int, Field(ge, le, description)]: limits and description in the inputSchema, enforced
        n = tools["pick"].input_schema["properties"]["n"]
        assert (n["minimum"], n["maximum"], n["description"]) == (1, 10, "how many, 1 to 10")
        assert (await client.call_tool("pick", {"n": 11})).is_error
        assert (await client.call_tool("pick", {"n": 4})).structured_content == {"result": 8}

        # pydantic model + datetime in, pydantic model out: structuredContent with an outputSchema, not str()
        assert set(tools["place"].output_schema["properties"]) == {"customer", "total_items", "when"}
        order = {"customer": "ada", "items": [{"name": "tea", "quantity": 2}, {"name": "jam"}]}
        placed = await client.call_tool("place", {"order": order, "at": "2026-01-02T03:04:05"})
        assert not placed.is_error
        assert placed.structured_content == {
            "customer": "ada",
            "total_items": 3,
            "when": "2026-01-02T03:04:05",
        }
        assert json.loads(placed.content[0].text)["total_items"] == 3

        # dataclass + date + Literal
        span_schema = tools["span"].input_schema
        assert span_schema["properties"]["size"]["enum"] == ["s", "m", "l"]
        got = await client.call_tool("span", {"window": {"start": "2026-05-01", "days": 3}, "size": "l"})
        assert got.content[0].text == "2026-05-01+3 l"

        # an error reaches the client as Type: message; its traceback as a log message
        failed = await client.call_tool("fail", {"why": "kaput"})
        assert failed.is_error
        assert failed.content[0].text == "ValueError: kaput"
        await seen.until(lambda: seen.log_with("tool fail failed") is not None)
        assert "raise ValueError(why)" in (seen.log_with("tool fail failed") or "")

        # progress notifications and a log message from a tool that takes the SDK's Context
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        assert "ctx" not in tools["crunch"].input_schema["properties"]
        done = await client.call_tool("crunch", {"steps": 3}, progress_callback=on_progress)
        assert done.content[0].text == "crunched"
        assert progress == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
        assert seen.log_with("crunching 3 steps") is not None

        # src/prompts/** as MCP prompts, with their arguments
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(prompts) == {"review", "hello"}
        assert [a.name for a in prompts["review"].arguments or []] == ["path", "style"]
        assert prompts["review"].description == "Review a file"
        got_prompt = await client.get_prompt("review", {"path": "a.py", "style": "terse"})
        assert got_prompt.messages[0].content.text.strip() == "Review a.py in a terse style."

        # data/ files as resources: listed, readable (text and binary), nothing outside data/
        resources = {r.name: r for r in (await client.list_resources()).resources}
        assert {"data/notes/today.txt", "data/blob.bin"} <= set(resources)
        text = await client.read_resource(str(resources["data/notes/today.txt"].uri))
        assert text.contents[0].text == "buy milk\n"
        blob = await client.read_resource(str(resources["data/blob.bin"].uri))
        assert blob.contents[0].blob == "AAH/"
        with pytest.raises(Exception, match="Unknown resource"):
            await client.read_resource((root / "agent.toml").as_uri())
        write(root, "data/later.json", "{}\n")  # read from the disk at each list
        assert "data/later.json" in {r.name for r in (await client.list_resources()).resources}


def test_print_config_is_an_absolute_command_line_that_serves(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    out = subprocess.run(
        [*DAPPER, "mcp", str(root), "--print-config"], capture_output=True, text=True, timeout=60, cwd="/"
    )
    assert out.returncode == 0, out.stderr
    # as the README shows it: per client a "# " heading line, then what to paste (each JSON block on its own)
    sections: dict[str, list[str]] = {}
    for line in out.stdout.splitlines():
        if line.startswith("# "):
            sections[line[2:]] = []
        elif line.strip():
            assert sections, f"text before the first heading: {line!r}"
            sections[list(sections)[-1]].append(line)
    assert list(sections) == [
        "Claude Desktop (claude_desktop_config.json)",
        "VS Code (.vscode/mcp.json)",
        "MCP Inspector",
    ]
    claude = json.loads("\n".join(sections["Claude Desktop (claude_desktop_config.json)"]))["mcpServers"][
        "testagent"
    ]
    vscode = json.loads("\n".join(sections["VS Code (.vscode/mcp.json)"]))["servers"]["testagent"]
    assert vscode["type"] == "stdio"
    assert (vscode["command"], vscode["args"]) == (
        claude["command"],
        claude["args"],
    )
    assert Path(claude["command"]).is_absolute()
    assert str(root) in claude["args"]
    cli, ui = (shlex.split(line, comments=True) for line in sections["MCP Inspector"])
    server = [claude["command"], *claude["args"]]
    assert cli == ["npx", "@modelcontextprotocol/inspector", "--cli", *server, "--method", "tools/list"]
    assert ui == ["npx", "@modelcontextprotocol/inspector", *server]

    async def use_it() -> set[str]:
        params = StdioServerParameters(command=claude["command"], args=claude["args"], cwd="/")
        async with Client(params, mode="legacy") as client:
            return {t.name for t in (await client.list_tools()).tools}

    import anyio

    assert anyio.run(use_it) == {"version", "slow", "gated", "count"}


async def test_the_same_typed_tools_in_the_console_capsule(tmp_path: Path) -> None:
    from capsule_helpers import final_text
    from dapper_tui.capsule.runtime import AgentRuntime

    root = typed_project(tmp_path)
    write(
        root, "src/tools/typed.py", TYPED_TOOLS.split("def broken")[0]
    )  # the console refuses a whole bad surface
    async with AgentRuntime(root, warm_spare=False) as rt:
        assert rt.start_record is not None, rt.start_record
        assert rt.start_record.outcome == "applied", rt.start_record
        tools = {t.name: t for t in rt.tools()}
        assert tools["pick"].input_schema["properties"]["n"]["maximum"] == 10
        assert "ctx" not in tools["crunch"].input_schema["properties"]

        async def call(line: str) -> str:
            return (await final_text(rt, None, line))[0]

        assert await call('/call paint {"color": "red"}') == "paint: Color.RED"
        order = {"customer": "ada", "items": [{"name": "tea", "quantity": 2}, {"name": "jam"}]}
        placed = await call("/call place " + json.dumps({"order": order, "at": "2026-01-02T03:04:05Z"}))
        assert json.loads(placed.removeprefix("place: ")) == {
            "customer": "ada",
            "total_items": 3,
            "when": "2026-01-02T03:04:05Z",
        }
        span = await call('/call span {"window": {"start": "2026-05-01", "days": 3}}')
        assert span == "span: 2026-05-01+3 m"
        assert await call('/call pick {"n": 4}') == "pick: 8"
        too_big = await call('/call pick {"n": 11}')
        assert "less than or equal to 10" in too_big, too_big
        assert await call('/call crunch {"steps": 2}') == "crunch: crunched"
    log = (root / "data/logs/capsule.log").read_text()
    assert "tool crunch progress: 2/2 step 2" in log


async def test_example_project_serves(tmp_path: Path) -> None:
    root = tmp_path / "mcp_agent"
    shutil.copytree(Path(__file__).parents[2] / "examples/mcp_agent", root)
    async with connect(root) as (client, _seen):
        assert {t.name for t in (await client.list_tools()).tools} == {"quote", "restock"}
        order = {"customer": "ada", "lines": [{"item": "tea", "quantity": 2}]}
        quoted = await client.call_tool("quote", {"order": order, "size": "large"})
        assert quoted.structured_content is not None
        assert quoted.structured_content["total"] == 9.9
        # an item the catalog does not have: an error that names it and lists what there is
        order = {"customer": "ada", "lines": [{"item": "tea"}, {"item": "apple"}]}
        unknown = await client.call_tool("quote", {"order": order})
        assert unknown.is_error
        assert unknown.content[0].text == (
            "ValueError: not in the catalog: apple; the items are: bread, jam, tea"
        )
        assert [p.name for p in (await client.list_prompts()).prompts] == ["summarize_orders"]
