"""Runs the @vscode/debugadapter-testsupport suite in tests/dap/js against the installed `dapper-tui dap`.

CI installs the client with `npm ci --prefix tests/dap/js`; without node_modules this test skips and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


def test_vscode_debugadapter_testsupport_suite() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the @vscode/debugadapter-testsupport suite cannot run")
    if not (JS / "node_modules" / "@vscode" / "debugadapter-testsupport").is_dir():
        pytest.skip("tests/dap/js/node_modules is missing: run `npm ci --prefix tests/dap/js`")
    adapter = Path(sys.executable).parent / "dapper-tui"
    if not adapter.exists():
        pytest.skip(f"{adapter} is not installed (pip install -e .)")
    env = dict(os.environ)
    env["DAPPER_TUI"] = str(adapter)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(
        [npm, "test", "--silent"], cwd=JS, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"npm test failed:\n{proc.stdout}\n{proc.stderr}"
    assert "7 passing" in proc.stdout, proc.stdout
