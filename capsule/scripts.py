"""The built-in ``run_script`` tool: runs ``src/scripts/NAME`` with its arguments and returns its output.

A tool of every project that has ``src/scripts/`` (unless a tool file defines ``run_script`` itself), served by the
capsule (``capsule/host.py``) and by ``dapper-tui mcp DIR``. By its suffix, a script runs as ``python SCRIPT``
(on the project's interpreter), ``sh SCRIPT``, or as an executable, in the project folder; a non-zero exit is an
error with the end of its stderr.

In the console, a turn's call runs the script as its pinned surface revision saw it (``PinnedScript``, sent by
the manager in the call's ``_meta``): when the file on disk has changed since, the pinned source runs from a
temporary file under the script's own path (``__file__``, ``sys.path[0]``, ``$0`` and tracebacks name the real
file); a script added since that revision runs in the next turn.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Runs a pinned revision's Python script as ``python SCRIPT ARGS`` would: argv, __file__, sys.path[0] and line
# numbers name the real file; only the source comes from the pin.
_PY_BOOTSTRAP = """\
import os, sys
_source_file, _path = sys.argv[1], sys.argv[2]
with open(_source_file, "rb") as _fh:
    _source = _fh.read()
sys.argv = sys.argv[2:]
sys.path[0] = os.path.dirname(_path)
import __main__
__main__.__file__ = _path
del _fh, _source_file
_code = compile(_source, _path, "exec")
del _source, _path
exec(_code, __main__.__dict__)
"""


def script_name(name: str, available: list[str]) -> str:
    """The script `name` means among `available` (paths relative to src/scripts, as posix): itself, or else the
    one file whose name is `name` plus a suffix (`report` -> `report.py`). A name that matches several is
    refused with their names; one that matches none is returned as given (its run says there is no such
    script)."""
    if name in available or PurePosixPath(name).suffix:
        return name
    matches = sorted(a for a in available if PurePosixPath(a).with_suffix("").as_posix() == name)
    if len(matches) > 1:
        raise FileNotFoundError(f"script {name!r} is ambiguous in src/scripts: {', '.join(matches)}")
    return matches[0] if matches else name


def scripts_on_disk(root: Path) -> list[str]:
    """The scripts in `root` (src/scripts), as paths relative to it."""
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


@dataclass(frozen=True)
class PinnedScript:
    """A script's source as the turn's surface revision saw it (``None``: that revision had no such script)."""

    revision: int
    source: bytes | None
    name: str | None = None  # the script the manager resolved the call's name to, on that revision

    @classmethod
    def from_meta(cls, meta: Mapping[str, object] | None) -> PinnedScript | None:
        raw = (meta or {}).get("dapper/script")
        if not isinstance(raw, dict):
            return None
        source = raw.get("source")
        name = raw.get("name")
        return cls(
            int(raw.get("revision", 0)),
            base64.b64decode(source) if source is not None else None,
            name if isinstance(name, str) else None,
        )


def run_script(name: str, args: list[str] | None = None, timeout: float = 120.0) -> str:
    """Run a script from src/scripts with its current source and return its output.

    Args:
        name: file name of the script inside src/scripts, e.g. "report.py" (or "report").
        args: command-line arguments for the script.
        timeout: seconds before the script is stopped.
    """
    return _run_script(name, args, timeout, None)


def _run_script(name: str, args: list[str] | None, timeout: float, pinned: PinnedScript | None) -> str:
    """``run_script``; with ``pinned`` (from the manager) the source is the pinned revision's, not the disk's."""
    agent_dir = os.environ["DAPPER_AGENT_DIR"]
    root = Path(agent_dir) / "src" / "scripts"
    name = pinned.name if pinned is not None and pinned.name else script_name(name, scripts_on_disk(root))
    script = (root / name).resolve()
    if not script.is_relative_to(root.resolve()):
        raise FileNotFoundError(f"no script {name!r} in src/scripts")
    source = _script_source(name, script, pinned)
    temp: str | None = None
    try:
        if source is not None and script.suffix in (".py", ".sh"):
            fd, temp = tempfile.mkstemp(prefix="dapper-script-", suffix=script.suffix)
            with os.fdopen(fd, "wb") as fh:
                fh.write(source)
        elif source is not None:
            raise RuntimeError(
                f"script {name} changed after surface revision {pinned.revision if pinned else 0} "
                "(this turn's); it runs with its new source in the next turn"
            )
        proc = subprocess.run(
            [*_script_command(script, temp), *(args or [])],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=agent_dir,
            stdin=subprocess.DEVNULL,
        )
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    if proc.returncode != 0:
        raise RuntimeError(f"script {name} exited with {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return proc.stdout.rstrip("\n")


def _script_source(name: str, script: Path, pinned: PinnedScript | None) -> bytes | None:
    """The source to run instead of the file on disk (the pinned revision's, when the disk's differs), or
    ``None``: run the file on disk."""
    if pinned is None:
        if not script.is_file():
            raise FileNotFoundError(f"no script {name!r} in src/scripts")
        return None
    if pinned.source is None:
        raise FileNotFoundError(
            f"no script {name!r} in src/scripts at surface revision {pinned.revision} (this turn's); "
            "a script added since runs in the next turn"
        )
    try:
        on_disk: bytes | None = script.read_bytes()
    except OSError:
        on_disk = None
    return None if on_disk == pinned.source else pinned.source


def _script_command(script: Path, temp: str | None) -> list[str]:
    """How to run ``script`` (by its suffix); with ``temp``, the pinned source in that file, under the script's
    own path (``__file__`` for Python, ``$0`` for sh)."""
    if script.suffix == ".py":
        if temp is not None:
            return [sys.executable, "-c", _PY_BOOTSTRAP, temp, str(script)]
        return [sys.executable, str(script)]
    if script.suffix == ".sh":
        if temp is not None:  # $0 is the script's real path, as with ``sh SCRIPT``
            return ["sh", "-c", ". " + shlex.quote(temp), str(script)]
        return ["sh", str(script)]
    return [str(script)]


def run_pinned_script(
    pinned: PinnedScript, name: str, args: list[str] | None = None, timeout: float = 120.0
) -> str:
    return _run_script(name, args, timeout, pinned)
