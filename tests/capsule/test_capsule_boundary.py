"""Runtime boundary: a tool module may not import the project's wiring or dapper-tui's capsule runtime."""

from __future__ import annotations

from pathlib import Path

import pytest
from capsule_helpers import final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

SETTINGS = """\
import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).parent / "agent.toml").read_text())
"""


@pytest.mark.parametrize(
    ("source", "named"),
    [
        pytest.param(
            "import settings\n\ndef name() -> str:\n    return settings.CONFIG['name']\n",
            "settings",
            id="root-module",
        ),
        pytest.param(
            "import importlib\n\nsettings = importlib.import_module('settings')\n\n"
            "def name() -> str:\n    return settings.CONFIG['name']\n",
            "settings",
            id="root-module-by-import_module",
        ),
        pytest.param(
            "from dapper_tui.capsule import runtime\n\ndef name() -> str:\n    return runtime.__name__\n",
            "dapper_tui.capsule.runtime",
            id="capsule-runtime",
        ),
        pytest.param(
            "from dapper_tui.capsule.project import AgentProject\n\n"
            "def name() -> str:\n    return AgentProject('.').config().name\n",
            "dapper_tui.capsule.project",
            id="agent-toml-reader",
        ),
    ],
)
async def test_importing_across_the_boundary_is_a_reload_failure(
    tmp_path: Path, source: str, named: str
) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "settings.py", SETTINGS)
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        before = rt.surface
        write(root, "src/tools/wired.py", source)
        record = await rt.force_reload()
        assert record.outcome == "failed"
        assert "runtime boundary" in record.message
        assert named in record.message
        assert "wired.py" in record.message
        assert rt.surface.revision == before.revision
        assert rt.surface.generation is before.generation
        assert (await final_text(rt, None, "/call version"))[0] == "version: v1"
        # taking the import out applies
        write(root, "src/tools/wired.py", "import json\n\ndef name() -> str:\n    return json.dumps('ok')\n")
        assert (await rt.force_reload()).outcome == "applied"


async def test_helpers_stdlib_and_installed_libraries_are_inside_the_boundary(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/_helper.py", "GREETING = 'hi'\n")
    write(
        root,
        "src/tools/ok.py",
        "import json\nimport anyio\nfrom agent_tools._helper import GREETING\nfrom . import t\n\n"
        "def greet() -> str:\n    return json.dumps([GREETING, t.VERSION, anyio.__name__])\n",
    )
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        assert rt.start_record is not None
        assert rt.start_record.outcome == "applied"
        assert (await final_text(rt, None, "/call greet"))[0] == 'greet: ["hi", "v1", "anyio"]'
