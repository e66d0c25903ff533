"""``requirements.txt`` → a fresh venv per requirements digest, switched to only once the install succeeded.

A generation's imports must not change under it (a tool that imports a package lazily would otherwise get the
new version while its generation is still current: a mixed surface). So an install never touches the venv in
use: it builds ``DIR/.dapper/venvs/<digest>`` from scratch (a venv without pip, fast; our pip installs into it),
and only when pip succeeded does ``DIR/.venv`` (a symlink) move to it. A failed or cancelled install removes its
folder; the generation that is current keeps the venv it started with. Old venvs are removed once no live
generation uses them (``prune_venvs``); a runtime holds a shared ``flock`` on each venv its generations run on
(``DIR/.dapper/venvs/.<name>.lock``), so a second runtime on the same folder neither removes it nor installs
into it at the same time. A cancelled install kills pip's whole process group (its build backends too).

Each venv gets a ``.pth`` file that adds the runtime's own site-packages *after* its own, so the capsule host
(and the MCP SDK it speaks with) import there while the project's requirements win over ours.

A ``DIR/.venv`` that is a real folder (made by an older version, or the user's own) is never modified or
removed: the capsule then runs the digest venv's interpreter directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import site
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dapper_tui.capsule.project import AgentProject

PTH_NAME = "_dapper_tui_runtime.pth"
STAMP_NAME = ".dapper-requirements"


@dataclass
class InstallResult:
    ok: bool
    output: str
    duration_s: float
    venv: Path | None = None  # the venv that holds the requirements (on success)
    reused: bool = False  # an earlier, complete install of the same requirements was found


def _runtime_site_dirs(exclude: Path | None = None) -> list[str]:
    """The runtime's own site-packages, not those under ``exclude`` (the project's venvs): an install run
    from a process on a project venv (``dapper-tui mcp``) must not see, nor touch, the old venv's packages."""
    dirs = [p for p in site.getsitepackages() if Path(p).is_dir()]
    for entry in sys.path:  # editable installs and anything else the runtime can import from
        if entry.endswith("site-packages") and entry not in dirs and Path(entry).is_dir():
            dirs.append(entry)
    if exclude is not None:
        own = os.path.realpath(exclude) + os.sep
        dirs = [d for d in dirs if not os.path.realpath(d).startswith(own)]
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
        # pip's build backends are its children: kill the whole group, not only pip
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace")


def requirements_digest(project: AgentProject) -> str:
    return hashlib.sha256(project.requirements_file.read_bytes()).hexdigest()


def venv_for(project: AgentProject, digest: str) -> Path:
    return project.venvs_dir / digest[:16]


def stamp(venv: Path) -> Path:
    return venv / STAMP_NAME


def installed(venv: Path, digest: str) -> bool:
    try:
        return (venv / "bin" / "python").exists() and stamp(venv).read_text().strip() == digest
    except OSError:
        return False


def current_venv(project: AgentProject) -> Path | None:
    """The venv ``DIR/.venv`` points to (resolved), when there is one."""
    if not project.venv_python().exists():
        return None
    return Path(os.path.realpath(project.venv_dir))


def python_key(python: str) -> str:
    """What a capsule's imports come from: the resolved prefix of ``python`` (``.venv`` may be re-pointed)."""
    return os.path.realpath(Path(python).parent.parent)


def needs_install(project: AgentProject) -> bool:
    """True when requirements.txt exists and the venv in use was not built from it, as it is now."""
    if not project.uses_venv():
        return False
    venv = current_venv(project)
    return venv is None or not installed(venv, requirements_digest(project))


async def _ensure_venv(venv: Path, cwd: Path) -> tuple[bool, str]:
    code, output = await _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=cwd)
    if code != 0:
        return False, output
    purelib = next(venv.glob("lib/python*/site-packages"), None)
    if purelib is None:
        return False, output + f"\nno site-packages in {venv}"
    (purelib / PTH_NAME).write_text(
        "".join(f"import site; site.addsitedir({d!r})\n" for d in _runtime_site_dirs(venv.parent))
    )
    return True, output


async def _lock_exclusive(venv: Path) -> int:
    """An exclusive lock on ``venv`` (another process may be installing it, or running a capsule on it)."""
    fd = os.open(lock_file(venv), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                await asyncio.sleep(0.1)
    except BaseException:
        os.close(fd)
        raise


def lock_file(venv: Path) -> Path:
    """Beside the venv, never removed (a lock file that can be deleted does not lock)."""
    return venv.parent / f".{venv.name}.lock"


def hold(venv: Path) -> int | None:
    """A shared lock on ``venv`` for as long as a generation runs on it: no other runtime prunes it then."""
    try:
        fd = os.open(lock_file(venv), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


async def install_requirements(project: AgentProject) -> InstallResult:
    """Install requirements.txt into its own venv (not the one in use). ``activate`` switches to it."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    digest = requirements_digest(project)
    venv = venv_for(project, digest)
    if installed(venv, digest):
        return InstallResult(True, f"requirements already installed in {venv}", 0.0, venv, reused=True)
    log = project.logs_dir / "install.log"
    code = 1
    output = ""
    lock = await _lock_exclusive(venv)
    try:
        if installed(venv, digest):  # another runtime on this folder installed it while we waited
            code = 0
            return InstallResult(True, f"requirements already installed in {venv}", 0.0, venv, reused=True)
        shutil.rmtree(venv, ignore_errors=True)  # an unfinished earlier attempt
        ok, output = await _ensure_venv(venv, project.root)
        if ok:
            code, pip_output = await _run(
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(venv / "bin" / "python"),
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
                str(project.requirements_file),
                cwd=project.root,
            )
            output += pip_output
        if code == 0:
            stamp(venv).write_text(digest)
    finally:
        if code != 0:  # failed or cancelled: nothing half-installed is left behind
            shutil.rmtree(venv, ignore_errors=True)
        os.close(lock)
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"--- pip install -r requirements.txt into {venv} (exit {code})\n{output}\n")
    return InstallResult(code == 0, output, loop.time() - started, venv if code == 0 else None)


def activate(project: AgentProject, venv: Path) -> str:
    """Point ``DIR/.venv`` at ``venv`` (atomically) and return the interpreter a new capsule runs on.

    A running capsule is not affected: the host pins its import path to the resolved venv when it starts.
    """
    link = project.venv_dir
    if link.exists() and not link.is_symlink():  # not ours to replace
        return str(venv / "bin" / "python")
    tmp = link.with_name(f".venv.tmp-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(os.path.relpath(venv, link.parent), tmp, target_is_directory=True)
    os.replace(tmp, link)
    return str(project.venv_python())


def prune_venvs(project: AgentProject, candidates: Iterable[str], keep: Iterable[str]) -> list[Path]:
    """Remove the venvs in ``candidates`` (resolved paths) that are not in ``keep`` nor ``DIR/.venv``'s target,
    and that no other process holds (``hold``) or is installing."""
    root = os.path.realpath(project.venvs_dir)
    current = current_venv(project)
    kept = {os.path.realpath(k) for k in keep}
    if current is not None:
        kept.add(str(current))
    removed: list[Path] = []
    for path in {os.path.realpath(c) for c in candidates}:
        if path in kept or os.path.dirname(path) != root or not os.path.isdir(path):
            continue
        try:
            fd = os.open(lock_file(Path(path)), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # in use by another runtime on this folder
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)
        removed.append(Path(path))
    return removed
