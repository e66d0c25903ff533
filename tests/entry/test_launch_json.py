"""The README's VS Code launch.json, through the npm DAP client (@vscode/debugadapter-testsupport) with the same
arguments: tests/dap/js/test/launch_json.spec.js, over `debugServer` (a port) and over stdio."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[1] / "dap" / "js"


def test_readme_launch_json_through_the_vscode_dap_client() -> None:
    node = shutil.which("node")
    mocha = JS / "node_modules" / ".bin" / "mocha"
    if node is None or not mocha.exists():
        pytest.skip("node or tests/dap/js/node_modules is missing: run `npm ci --prefix tests/dap/js`")
    adapter = Path(sys.executable).parent / "dapper-tui"
    if not adapter.exists():
        pytest.skip(f"{adapter} is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["DAPPER_TUI"] = str(adapter)
    proc = subprocess.run(
        [str(mocha), "--timeout", "30000", "test/launch_json.spec.js"],
        cwd=JS,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    assert "2 passing" in proc.stdout, proc.stdout
