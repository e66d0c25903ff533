"""requirements.txt goes into a fresh venv: a live generation's imports never change under it."""

from __future__ import annotations

import asyncio
import os
import textwrap
from pathlib import Path

from capsule_helpers import Recorder, final_text, make_project, pids_alive
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write
from installed_packages import build_wheel

DEP_TOOL = """\
def dep() -> str:
    \"\"\"The value of the tinydep package, imported lazily (on the first call).\"\"\"
    import tinydep

    return tinydep.VALUE
"""


def _tinydep(tmp_path: Path, version: str, value: str) -> Path:
    return build_wheel(
        tmp_path / "wheels" / version, "tinydep", {"tinydep/__init__.py": f"VALUE = {value!r}\n"}, version
    )


def _venvs(root: Path) -> list[Path]:
    folder = root / ".dapper" / "venvs"
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


async def test_failed_install_leaves_the_current_generations_imports_unchanged(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/deps.py", DEP_TOOL)
    one = _tinydep(tmp_path, "0.1", "one")
    two = _tinydep(tmp_path, "0.2", "two")
    # pip installs tinydep 0.2, then fails on this wheel (a file outside site-packages): a real partial install
    bad = build_wheel(
        tmp_path / "wheels" / "bad", "abad", {"abad/__init__.py": "", "../../escape.txt": "x\n"}
    )
    write(root, "requirements.txt", f"--no-index\n{one}\n")
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        gen = rt.surface.generation_number
        in_use = (root / ".venv").resolve()
        write(root, "requirements.txt", f"--no-index\n{two}\n{bad}\n")
        failed = await rec.reload("failed", stage="install", timeout=90)
        assert "outside the target directory" in failed["message"]
        log = (root / "data/logs/install.log").read_text()
        assert (
            "Installing collected packages: tinydep, abad" in log
        )  # 0.2 was being installed before it failed
        # tinydep was never imported by this generation: its first import must still find 0.1
        text, _ = await final_text(rt, None, "/call dep")
        assert text == "dep: one"
        assert rt.surface.generation_number == gen
        assert _venvs(root) == [in_use]
        assert (root / ".venv").resolve() == in_use  # the failed one is gone
        # a tools save after the failed install starts on the venv that works
        write(root, "src/tools/deps.py", DEP_TOOL + "\n# touched\n")
        await rec.reload("applied", rows=["tools"])
        assert (await final_text(rt, None, "/call dep"))[0] == "dep: one"


async def test_install_does_not_change_a_pinned_generation_and_old_venv_goes_when_it_retires(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/deps.py", DEP_TOOL)
    one = _tinydep(tmp_path, "0.1", "one")
    two = _tinydep(tmp_path, "0.2", "two")
    write(root, "requirements.txt", f"--no-index\n{one}\n")
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        old_venv = (root / ".venv").resolve()
        old_gen = rt.surface.generation
        assert old_gen is not None
        thread = rt.open_thread()
        turn = asyncio.create_task(rt.run(thread, "/call gated\n/call dep"))
        await rec.wait(lambda e: e.type == "tool_call" and e.data["tool"] == "gated")
        write(root, "requirements.txt", f"--no-index\n{two}\n")
        applied = await rec.reload("applied", rows=["requirements"], timeout=90)
        assert "requirements installed" in applied["message"]
        (root / "data" / "gate").touch()
        results = [e.data for e in await turn if e.type == "tool_result"]
        # the old generation imports tinydep for the first time after the install: it still gets its own 0.1
        assert [r["result"] for r in results] == ["v1", "one"]
        new_venv = (root / ".venv").resolve()
        assert new_venv != old_venv
        assert (await final_text(rt, None, "/call dep"))[0] == "dep: two"
        for _ in range(200):  # the old generation retires, and its venv with it
            if not old_venv.exists() and not pids_alive(old_gen.pid):
                break
            await asyncio.sleep(0.05)
        assert not pids_alive(old_gen.pid)
        assert _venvs(root) == [new_venv]
    # .dapper is the runtime's: the watcher ignores it and git does too
    assert (root / ".dapper" / ".gitignore").read_text().strip().endswith("*")
    assert not [r for r in rec.reloads() if ".dapper" in str(r["path"])]


SLOW_BACKEND = """\
import os
import time
from pathlib import Path


def get_requires_for_build_wheel(config_settings=None):
    (Path(__file__).parent / "backend.pid").write_text(str(os.getpid()))
    time.sleep(120)
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("not reached")
"""


async def test_a_superseded_install_kills_pips_build_backend_too(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/tools/deps.py", DEP_TOOL)
    slow = tmp_path / "slowpkg"
    write(
        slow,
        "pyproject.toml",
        textwrap.dedent(
            """\
            [build-system]
            requires = []
            build-backend = "slowbackend"
            backend-path = ["."]
            """
        ),
    )
    write(slow, "slowbackend.py", SLOW_BACKEND)
    one = _tinydep(tmp_path, "0.1", "one")
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        write(root, "requirements.txt", f"--no-index\n{slow}\n")
        pid_file = slow / "backend.pid"
        for _ in range(600):
            if pid_file.exists() and pid_file.read_text():
                break
            await asyncio.sleep(0.05)
        backend = int(pid_file.read_text())
        try:
            assert pids_alive(backend)
            write(root, "requirements.txt", f"--no-index\n{one}\n")
            skipped = await rec.reload("skipped")
            assert "superseded" in skipped["message"]
            await rec.reload("applied", rows=["requirements"], timeout=90)
            for _ in range(100):
                if not pids_alive(backend):
                    break
                await asyncio.sleep(0.05)
            assert not pids_alive(backend), "pip's build backend outlived the cancelled install"
        finally:
            if pids_alive(backend):  # never leave it running, even when the test failed
                os.kill(backend, 9)
        assert (await final_text(rt, None, "/call dep"))[0] == "dep: one"
        assert len(_venvs(root)) == 1  # the cancelled install left nothing behind
