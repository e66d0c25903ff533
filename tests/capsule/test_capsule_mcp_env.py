"""The environment of the tools, in `dapper-tui mcp DIR` and in the console's capsule: the real environment wins
over `.env` for a name set in both (python-dotenv's default) unless agent.toml says `[env] override = true`; the
project venv is installed from requirements.txt on the server's first start; a missing package's hint points at
requirements.txt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from capsule_helpers import final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write
from mcp_helpers import connect, wheel

ENV_TOOL = """\
import os

AT_IMPORT = os.environ.get("OPENAI_BASE_URL", "<unset>")  # read once, when the module is imported


def show(name: str) -> str:
    \"\"\"The value of an environment variable in the tools' process.\"\"\"
    return os.environ.get(name, "<unset>")


def at_import() -> str:
    \"\"\"OPENAI_BASE_URL as the module saw it when it was imported.\"\"\"
    return AT_IMPORT
"""


def _project(tmp_path: Path, toml: str = "") -> Path:
    root = make_project(tmp_path / "agent", extra_toml=toml)
    write(root, "src/tools/envtool.py", ENV_TOOL)
    write(root, ".env", "OPENAI_BASE_URL=http://from-dotenv/v1\nONLY_IN_DOTENV=dotenv\n")
    return root


def _shell() -> dict[str, str]:
    env = {**os.environ, "OPENAI_BASE_URL": "http://from-shell/v1", "PYTHONUNBUFFERED": "1"}
    env.pop("ONLY_IN_DOTENV", None)
    return env


async def _mcp_values(root: Path, env: dict[str, str], *names: str) -> list[str]:
    async with connect(root, env) as (client, _seen):
        return [(await client.call_tool("show", {"name": n})).content[0].text for n in names]


async def test_mcp_real_environment_wins_over_dotenv(tmp_path: Path) -> None:
    root = _project(tmp_path)
    got = await _mcp_values(root, _shell(), "OPENAI_BASE_URL", "ONLY_IN_DOTENV")
    assert got == ["http://from-shell/v1", "dotenv"]


async def test_mcp_dotenv_wins_with_override_and_a_save_applies(tmp_path: Path) -> None:
    root = _project(tmp_path, "[env]\noverride = true\n")
    async with connect(root, _shell()) as (client, seen):
        got = (await client.call_tool("show", {"name": "OPENAI_BASE_URL"})).content[0].text
        assert got == "http://from-dotenv/v1"
        write(root, ".env", "OPENAI_BASE_URL=http://saved/v1\n")  # ONLY_IN_DOTENV goes away

        async def values() -> list[str]:
            return [
                (await client.call_tool("show", {"name": n})).content[0].text
                for n in ("OPENAI_BASE_URL", "ONLY_IN_DOTENV")
            ]

        applied: list[str] = []

        async def saved() -> bool:
            applied[:] = await values()
            return applied == ["http://saved/v1", "<unset>"]

        import anyio

        with anyio.fail_after(20):
            while not await saved():
                await anyio.sleep(0.05)
        # the tools were imported again with the new environment, and no list_changed: the list is the same
        assert (await client.call_tool("at_import", {})).content[0].text == "http://saved/v1"
        assert seen.tools_changed == 0


async def test_console_capsule_real_environment_wins_unless_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://from-shell/v1")
    monkeypatch.delenv("ONLY_IN_DOTENV", raising=False)
    for toml, expected in (
        ("", "http://from-shell/v1"),
        ("[env]\noverride = true\n", "http://from-dotenv/v1"),
    ):
        root = _project(tmp_path / ("override" if toml else "default"), toml)
        async with AgentRuntime(root, warm_spare=False) as rt:
            url = (await final_text(rt, None, '/call show {"name": "OPENAI_BASE_URL"}'))[0]
            only = (await final_text(rt, None, '/call show {"name": "ONLY_IN_DOTENV"}'))[0]
        assert (url, only) == (f"show: {expected}", "show: dotenv")


async def test_console_missing_package_hint_points_at_requirements(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/dep.py", "import not_installed_pkg_xyz\n\n\ndef dep() -> str:\n    return 'x'\n")
    async with AgentRuntime(root, warm_spare=False) as rt:
        record = rt.start_record
    assert record is not None
    assert record.outcome == "failed"
    text = f"{record.message} {record.detail}"
    assert "not_installed_pkg_xyz" in text
    assert "requirements.txt" in text


async def test_mcp_installs_requirements_on_first_start(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/deps.py", "def dep() -> str:\n    import tinydep\n\n    return tinydep.VALUE\n")
    write(root, "requirements.txt", f"--no-index\n{wheel(tmp_path / 'wheels', 'tinydep', 'installed')}\n")
    assert not (root / ".venv").exists()
    async with connect(root) as (client, _seen):
        assert (await client.call_tool("dep", {})).content[0].text == "installed"
    assert (root / ".venv").is_symlink()
    assert (root / ".venv/bin/python").exists()
    async with connect(root) as (client, _seen):  # the second start reuses it
        assert (await client.call_tool("dep", {})).content[0].text == "installed"


async def test_mcp_requirements_save_is_installed_and_used_without_a_restart(tmp_path: Path) -> None:

    root = make_project(tmp_path / "agent")
    write(root, "src/tools/deps.py", "def dep() -> str:\n    import tinydep\n\n    return tinydep.VALUE\n")
    write(root, "requirements.txt", f"--no-index\n{wheel(tmp_path / 'one', 'tinydep', 'one')}\n")
    async with connect(root) as (client, seen):
        assert (await client.call_tool("dep", {})).content[0].text == "one"  # imported: in sys.modules
        first = (root / ".venv").resolve()
        write(root, "requirements.txt", f"--no-index\n{wheel(tmp_path / 'two', 'tinydep', 'two')}\n")
        await seen.until(lambda: seen.log_with("requirements installed") is not None, timeout=120)
        assert (await client.call_tool("dep", {})).content[0].text == "two"
        assert (root / ".venv").resolve() != first
        assert seen.tools_changed == 0  # the list did not change
