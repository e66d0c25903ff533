"""Which venv a new generation runs on, and switching ``DIR/.venv`` to it.

``requirements.txt`` goes into a fresh venv per digest (``capsule/venv.py``); ``DIR/.venv`` is switched to it
just before the new generation starts, and back if it does not start. A running capsule keeps importing from the
venv it started with, so a failed or slow install never changes a live generation's imports. Venvs no live
generation, spare or pending install uses are removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dapper_tui.capsule import venv as venvs
from dapper_tui.capsule.project import AgentProject, Row


@dataclass(frozen=True)
class VenvChoice:
    """Where ``DIR/.venv`` pointed and which interpreter was used before a build: what a failed build restores."""

    link: str | None
    override: str | None


class VenvSwitch:
    def __init__(self, project: AgentProject) -> None:
        self.project = project
        self.install_lock = asyncio.Lock()
        self._override: str | None = None  # a digest venv used directly (DIR/.venv is not our symlink)
        self._used: set[str] = set()  # venvs this manager started generations on or installed

    def python(self) -> str:
        """The interpreter a new generation runs on (the venv in use when the project has requirements)."""
        if not self.project.uses_venv():
            return sys.executable
        if self._override is not None and Path(self._override).exists():
            return self._override
        return self.project.python()

    def choice(self) -> VenvChoice:
        link = self.project.venv_dir
        return VenvChoice(os.readlink(link) if link.is_symlink() else None, self._override)

    async def prepare(self, rows: set[Row]) -> tuple[str, venvs.InstallResult | None]:
        """Install requirements when they changed; switch DIR/.venv to their venv. Returns the interpreter."""
        if not self.project.uses_venv():
            return sys.executable, None
        result: venvs.InstallResult | None = None
        async with self.install_lock:
            if Row.REQUIREMENTS in rows:
                result = await venvs.install_requirements(self.project)
                if not result.ok:
                    return self.python(), result
            else:  # a complete venv for the current requirements (a start that failed after its install)
                candidate = venvs.venv_for(self.project, venvs.requirements_digest(self.project))
                if venvs.installed(candidate, venvs.requirements_digest(self.project)):
                    result = venvs.InstallResult(True, "", 0.0, candidate, reused=True)
            if result is None or result.venv is None:
                return self.python(), None
            self._used.add(os.path.realpath(result.venv))
            if venvs.python_key(self.python()) == os.path.realpath(result.venv):
                return self.python(), result
            python = venvs.activate(self.project, result.venv)
            self._override = None if python == str(self.project.venv_python()) else python
            return python, result

    def restore(self, before: VenvChoice) -> None:
        """A generation that did not start leaves DIR/.venv where the generation in use has it."""
        link = self.project.venv_dir
        self._override = before.override
        if not link.is_symlink() or os.readlink(link) == before.link:
            return
        if before.link is None:
            link.unlink()
            return
        tmp = link.with_name(f".venv.tmp-{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(before.link, tmp, target_is_directory=True)
        os.replace(tmp, link)

    def hold(self, venv: str) -> int | None:
        """A shared lock on ``venv`` while a generation runs on it, when it is one of ours."""
        if os.path.dirname(venv) != os.path.realpath(self.project.root / ".dapper" / "venvs"):
            return None  # the runtime's own interpreter
        self._used.add(venv)
        return venvs.hold(Path(venv))

    def prune(self, in_use: Iterable[str]) -> None:
        """Remove venvs that are neither ``in_use`` nor DIR/.venv's target nor the current requirements' venv."""
        if self.install_lock.locked() or not self._used:
            return
        try:
            keep = set(in_use)
            keep.add(venvs.python_key(self.python()))
            if self.project.uses_venv():
                keep.add(str(venvs.venv_for(self.project, venvs.requirements_digest(self.project))))
            for path in venvs.prune_venvs(self.project, self._used, keep):
                self._used.discard(str(path))
        except OSError:  # requirements.txt went away meanwhile, a folder is busy: the next prune retries
            pass
