"""The official MCP Inspector CLI (npm `@modelcontextprotocol/inspector`, `--cli`) against `dapper-tui mcp DIR`:
it lists the tools, calls one with a pydantic-model argument, gets a prompt and reads a resource. Skipped where
npm (npx) is missing or the package cannot be fetched."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mcp_helpers import typed_project


@pytest.mark.skipif(shutil.which("npx") is None, reason="npm (npx) is not installed")
def test_inspector_cli_lists_calls_and_reads(tmp_path: Path) -> None:  # pragma: no cover - needs npm
    root = typed_project(tmp_path)  # the surface test's project: typed tools, prompts, data/
    base = [
        "npx",
        "-y",
        "@modelcontextprotocol/inspector",
        "--cli",
        sys.executable,
        "-m",
        "dapper_tui",
        "mcp",
    ]
    base.append(str(root))

    def run(*args: str) -> dict:
        out = subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)
        if out.returncode != 0 and "ENOTFOUND" in out.stderr + out.stdout:
            pytest.skip("the inspector package cannot be fetched (offline)")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    assert "place" in {t["name"] for t in run("--method", "tools/list")["tools"]}
    order = json.dumps({"customer": "ada", "items": [{"name": "tea", "quantity": 2}]})
    placed = run(
        "--method", "tools/call", "--tool-name", "place", "--tool-arg", f"order={order}",
        "--tool-arg", "at=2026-01-02T03:04:05Z",
    )  # fmt: skip
    assert placed["structuredContent"]["total_items"] == 2
    got = run(
        "--method", "prompts/get", "--prompt-name", "review", "--prompt-args", "path=a.py", "style=terse"
    )
    assert got["messages"][0]["content"]["text"].strip() == "Review a.py in a terse style."
    uri = (root / "data/notes/today.txt").as_uri()
    assert run("--method", "resources/read", "--uri", uri)["contents"][0]["text"] == "buy milk\n"
