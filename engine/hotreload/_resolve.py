"""Step 1 of a reload: the loaded module namespace(s) a file is, or the reason it cannot be reloaded."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from . import _frames, _sources

_EXT_SUFFIXES = tuple(
    sorted({*importlib.machinery.EXTENSION_SUFFIXES, ".so", ".pyd", ".dylib", ".dll", ".sl"})
)
_BINARY_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


class Rejected(Exception):
    """A reload that is refused, or rolled back: ``error`` says why, ``hint`` what to do."""

    def __init__(self, error: str, hint: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.hint = hint


class CompileError(Exception):
    """A part of the new source did not compile (raised inside the transaction, so that it rolls back)."""

    def __init__(self, exc: SyntaxError) -> None:
        super().__init__(str(exc))
        self.exc = exc


@dataclasses.dataclass
class Target:
    """One module namespace loaded from the file (a script can be two: ``__main__`` and its import name)."""

    name: str
    ns: dict[str, Any]
    module: ModuleType | None

    @property
    def is_main(self) -> bool:
        return self.ns.get("__name__") == "__main__"


def not_loaded(name: str) -> Rejected:
    return Rejected(
        f"{name} is not loaded in this debug session, so there is nothing to reload",
        "Only modules the program has imported (or the script itself) can be reloaded; "
        "the new code is used the next time it is imported.",
    )


def syntax_message(exc: SyntaxError, path: str) -> str:
    where = f"line {exc.lineno}" if exc.lineno else "an unknown line"
    if exc.offset:
        where += f", column {exc.offset}"
    text = f": {exc.text.strip()}" if exc.text and exc.text.strip() else ""
    return f"SyntaxError in {os.path.basename(path)} at {where}: {exc.msg}{text}"


def syntax_rejected(exc: SyntaxError, path: str) -> Rejected:
    return Rejected(
        syntax_message(exc, path), "Fix the syntax error and save again; the old code keeps running."
    )


def _real_file(module: object) -> str | None:
    try:
        d = vars(module)
    except TypeError:
        return None
    file = d.get("__file__")
    return file if isinstance(file, str) else None


def _looks_binary(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head.startswith(_BINARY_MAGIC)


def _refuse_non_source(given: str, real: str, name: str) -> None:
    if given.endswith(_EXT_SUFFIXES) or real.endswith(_EXT_SUFFIXES) or _looks_binary(real):
        raise Rejected(
            f"{name} is a C extension module: compiled code cannot be hot reloaded",
            "Rebuild the extension and restart the debug session.",
        )
    if not (real.endswith((".py", ".pyw")) or given.endswith((".py", ".pyw"))):
        raise Rejected(
            f"{name} is not a Python source file (.py): only Python modules can be hot reloaded",
            "Reload the .py file of the module you edited.",
        )


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def regular_file_refusal(path: str) -> tuple[str, str] | None:
    """Why ``path`` cannot be read as a module's source without opening it (opening a FIFO blocks until a writer
    comes, a device may never end), or None for a regular file or a missing one (the reload says why)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return (
        f"{os.path.basename(path)} is {kind}, not a regular file: it cannot be read as a module's source, "
        "and was not reloaded",
        "Put the module's source back as a regular .py file, then reload again.",
    )


def resolve(path: str | Path, frames: Sequence[FrameType] = ()) -> tuple[str, list[Target]]:
    """The real path and the loaded module namespaces of a file, or Rejected with the reason."""
    given = os.path.abspath(os.fspath(path))
    real = _sources.realpath(given)
    name = os.path.basename(given)
    refusal = regular_file_refusal(real)
    if refusal is not None:
        raise Rejected(*refusal)
    _refuse_non_source(given, real, name)
    targets: list[Target] = []
    seen: set[int] = set()
    for key, module in list(sys.modules.items()):
        file = _real_file(module)
        if file is None or _sources.realpath(file) != real or id(vars(module)) in seen:
            continue
        loader = vars(module).get("__loader__")
        if isinstance(loader, importlib.machinery.ExtensionFileLoader) or file.endswith(_EXT_SUFFIXES):
            raise Rejected(
                f"module {key} is a C extension ({os.path.basename(file)}): it cannot be hot reloaded",
                "Rebuild the extension and restart the debug session.",
            )
        seen.add(id(vars(module)))
        targets.append(Target(vars(module).get("__name__", key), vars(module), module))
    for frame in _frames.walk(frames):
        g = frame.f_globals
        file = g.get("__file__")
        if id(g) not in seen and isinstance(file, str) and _sources.realpath(file) == real:
            seen.add(id(g))
            targets.append(Target(g.get("__name__", "__main__"), g, None))
    if not targets:
        ext = _extension_twin(real)
        if ext:
            raise Rejected(
                f"module {ext[0]} is loaded from the C extension {os.path.basename(ext[1])}, not from "
                f"{name}: compiled code cannot be hot reloaded",
                "Rebuild the extension from this source and restart the debug session.",
            )
        raise not_loaded(name)
    targets.sort(key=lambda t: not t.is_main)
    if not os.path.exists(real):
        raise Rejected(
            f"{name} was deleted (or moved): there is no source to reload from",
            "Restore the file, or restart the session if it was moved on purpose.",
        )
    return real, targets


def _extension_twin(real: str) -> tuple[str, str] | None:
    """A loaded extension module built from this source (``mod.py`` beside ``mod.cpython-3xx-*.so``)."""
    folder, base = os.path.split(real)
    stem = base.rsplit(".", 1)[0]
    for key, module in list(sys.modules.items()):
        file = _real_file(module)
        if not file or not file.endswith(_EXT_SUFFIXES):
            continue
        f_real = _sources.realpath(file)
        f_folder, f_base = os.path.split(f_real)
        if f_folder == folder and f_base.split(".", 1)[0] == stem:
            return key, f_real
    return None
