"""Limits: capsule.log is rotated, big tool results are stored once in data/ and linked, memory can be capped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from capsule_helpers import final_text, make_project, pids_alive
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

BIG = """\
import sys


def shout(lines: int) -> str:
    \"\"\"Write many lines to stderr (the capsule log).\"\"\"
    for i in range(lines):
        sys.stderr.write(f"line {i:08d} " + "x" * 90 + "\\n")
    return "done"


def big(size: int) -> str:
    \"\"\"Return a large text.\"\"\"
    return "0123456789" * (size // 10)


def allocate(megabytes: int) -> str:
    \"\"\"Allocate a buffer.\"\"\"
    buffer = bytearray(megabytes * 1024 * 1024)
    return f"allocated {len(buffer) // (1024 * 1024)} MB"
"""


def limited_project(root: Path, **runtime: object) -> Path:
    make_project(root)
    with (root / "agent.toml").open("a") as fh:
        for key, value in runtime.items():
            fh.write(f"{key} = {value}\n")
    write(root, "src/tools/big.py", BIG)
    return root


async def test_capsule_log_is_rotated_at_its_size_cap(tmp_path: Path) -> None:
    root = limited_project(tmp_path / "agent", log_max_bytes=200_000, log_keep=2)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        _, events = await asyncio.wait_for(final_text(rt, None, '/call shout {"lines": 20000}'), 30)
        assert [e.data["result"] for e in events if e.type == "tool_result"] == ["done"]
    logs = root / "data/logs"
    names = sorted(p.name for p in logs.glob("capsule.log*"))
    assert names == ["capsule.log", "capsule.log.1", "capsule.log.2"]  # 2 MB written, 3 files kept
    sizes = [(logs / n).stat().st_size for n in names]
    assert all(size <= 200_000 + 70_000 for size in sizes), sizes
    assert "line 00019999" in (logs / "capsule.log").read_text()


async def test_a_big_result_is_stored_once_in_data_and_the_thread_gets_a_preview(tmp_path: Path) -> None:
    root = limited_project(tmp_path / "agent", result_max_bytes=20_000)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        _, events = await asyncio.wait_for(final_text(rt, None, '/call big {"size": 5000000}'), 30)
        thread = events[0].thread
        result = next(e.data for e in events if e.type == "tool_result")
        assert not result["is_error"]
        assert len(result["result"]) < 22_000
        assert result["result"].startswith("0123456789")
        assert "5000000 characters" in result["result"]
        assert "data/tool-results/" in result["result"]
        stored = json.loads(json.dumps(result))["full_result"]
        assert (root / stored).read_text() == "0123456789" * 500_000
        thread_files = [p for p in (root / "data").rglob("*") if p.is_file() and thread in p.name]
        assert sum(p.stat().st_size for p in thread_files) < 200_000


async def test_an_address_space_limit_makes_a_huge_allocation_a_memory_error(tmp_path: Path) -> None:
    root = limited_project(tmp_path / "agent", address_space_mb=1024)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        gen = rt.surface.generation
        assert gen is not None
        _, events = await asyncio.wait_for(
            final_text(rt, None, '/call allocate {"megabytes": 4096}\n/call allocate {"megabytes": 10}'), 30
        )
        results = [e.data for e in events if e.type == "tool_result"]
        assert results[0]["is_error"]
        assert results[0]["result"].startswith("MemoryError")
        assert results[1] == {**results[1], "is_error": False, "result": "allocated 10 MB"}
        assert rt.surface.generation is gen
        assert pids_alive(gen.pid)
