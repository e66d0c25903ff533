"""``requirements.txt`` → ``DIR/.venv``: create the venv (without pip, fast), install with our pip into it.

The venv gets a ``.pth`` file that adds the runtime's own site-packages *after* its own, so the capsule host
(and the MCP SDK it speaks with) import there while the project's requirements win over ours.
"""

from __future__ import annotations

import asyncio
import site
import sys
from dataclasses import dataclass
from pathlib import Path

from dapper_tui.capsule.project import AgentProject

PTH_NAME = "_dapper_tui_runtime.pth"


@dataclass
class InstallResult:
    ok: bool
    output: str
    duration_s: float


def _runtime_site_dirs() -> list[str]:
    dirs = [p for p in site.getsitepackages() if Path(p).is_dir()]
    for entry in sys.path:  # editable installs and anything else the runtime can import from
        if entry.endswith("site-packages") and entry not in dirs and Path(entry).is_dir():
            dirs.append(entry)
    return dirs


async def _run(*command: str, cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = await proc.communicate()
    except asyncio.CancelledError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace")


async def ensure_venv(project: AgentProject) -> tuple[bool, str]:
    python = project.venv_python()
    output = ""
    if not python.exists():
        code, output = await _run(
            sys.executable, "-m", "venv", "--without-pip", str(project.venv_dir), cwd=project.root
        )
        if code != 0:
            return False, output
    purelib = next(project.venv_dir.glob("lib/python*/site-packages"), None)
    if purelib is None:
        return False, output + f"\nno site-packages in {project.venv_dir}"
    lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in _runtime_site_dirs())
    pth = purelib / PTH_NAME
    if not pth.exists() or pth.read_text() != lines:
        pth.write_text(lines)
    return True, output


def stamp(project: AgentProject) -> Path:
    return project.venv_dir / ".dapper-requirements"


def requirements_digest(project: AgentProject) -> str:
    import hashlib

    return hashlib.sha256(project.requirements_file.read_bytes()).hexdigest()


def needs_install(project: AgentProject) -> bool:
    """True when requirements.txt exists and was not installed, as it is now, into DIR/.venv."""
    if not project.uses_venv():
        return False
    if not project.venv_python().exists() or not stamp(project).exists():
        return True
    return stamp(project).read_text().strip() != requirements_digest(project)


async def install_requirements(project: AgentProject) -> InstallResult:
    loop = asyncio.get_running_loop()
    started = loop.time()
    ok, output = await ensure_venv(project)
    if not ok:
        return InstallResult(False, output, loop.time() - started)
    code, pip_output = await _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(project.venv_python()),
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "-r",
        str(project.requirements_file),
        cwd=project.root,
    )
    if code == 0:
        stamp(project).write_text(requirements_digest(project))
    log = project.logs_dir / "install.log"
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"--- pip install -r requirements.txt (exit {code})\n{pip_output}\n")
    return InstallResult(code == 0, pip_output, loop.time() - started)
