"""Real modules in temporary folders, imported for real, edited on disk, reloaded.

Every test gets module names of its own, and sys.modules / sys.path are cleaned afterwards. Bytecode writing is
on (this machine sets PYTHONDONTWRITEBYTECODE=1, which hides stale-bytecode bugs that users hit).
"""

from __future__ import annotations

import importlib
import itertools
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType, ModuleType

import pytest
from dapper_tui.engine.hotreload import ReloadOptions, ReloadResult, reload_file, track_sources
from helpers import write

_counter = itertools.count()


@pytest.fixture(autouse=True, scope="session")
def _tracking() -> None:
    track_sources()


@pytest.fixture(autouse=True)
def bytecode_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)


class Project:
    """A folder of modules with names unique to one test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = f"hr{os.getpid()}_{next(_counter)}_"
        self.names: list[str] = []
        sys.path.insert(0, str(root))

    def name(self, short: str) -> str:
        return self.prefix + short

    def path(self, short: str) -> Path:
        return self.root / f"{self.name(short)}.py"

    def write(self, short: str, source: str) -> Path:
        """`source` as the module `short`: dedented, from its first line on (a leading newline is dropped: line
        numbers count from there), `MOD_` replaced by this test's prefix."""
        text = textwrap.dedent(source).lstrip("\n").replace("MOD_", self.prefix)
        return write(self.root, self.path(short).name, text)

    def load(self, short: str, source: str | None = None) -> ModuleType:
        if source is not None:
            self.write(short, source)
        importlib.invalidate_caches()
        self.names.append(self.name(short))
        return importlib.import_module(self.name(short))

    def edit(self, short: str, source: str) -> Path:
        """Rewrite the file (no sleep: the edit lands within the same second as the import)."""
        return self.write(short, source)

    def reload(
        self,
        short: str,
        source: str,
        options: ReloadOptions | None = None,
        *,
        frames: Sequence[FrameType] = (),
    ) -> ReloadResult:
        """Save `source` as the module `short` and reload it (with `frames` as the stopped program's); it applies."""
        self.edit(short, source)
        result = reload_file(self.path(short), options, frames=frames)
        assert result.ok, result.error
        return result

    def cleanup(self) -> None:
        for name in list(sys.modules):
            if name.startswith(self.prefix):
                del sys.modules[name]
        while str(self.root) in sys.path:
            sys.path.remove(str(self.root))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = Project(tmp_path)
    yield p
    p.cleanup()


class Parked:
    """A thread stopped inside a function of a module: its frame is live until ``release()``."""

    def __init__(self, target: Callable[..., object], *args: object) -> None:
        self.event = threading.Event()
        self.ready = threading.Event()
        self.result: list[object] = []
        self.thread = threading.Thread(target=self._run, args=(target, args), daemon=True)
        self.thread.start()
        assert self.ready.wait(5)

    def _run(self, target: Callable[..., object], args: tuple) -> None:
        self.result.append(target(self.ready, self.event, *args))

    @property
    def frame(self) -> FrameType:
        return sys._current_frames()[self.thread.ident]  # type: ignore[index]

    def release(self) -> object:
        self.event.set()
        self.thread.join(5)
        assert not self.thread.is_alive()
        return self.result[0]


def run_python(args: list[str], cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter with bytecode writing on."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
