"""`screenshots/make.py` still makes the README's pictures from the real app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_screenshot_script_makes_all_four_pictures(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "screenshots" / "make.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expected = {
        "debugger-stopped.svg": "Call&#160;stack",
        "reload-log.svg": "applied",
        "agent-thread.svg": "HELLO!",
        "agent-reload-failure.svg": "failed",
    }
    for name, text in expected.items():
        svg = (tmp_path / name).read_text()
        assert svg.startswith("<svg"), name
        assert text in svg, name
