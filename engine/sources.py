"""Source files: canonical paths, "just my code", and the debuggee's loaded sources."""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_ENGINE_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_PACKAGE_ROOTS = tuple(
    {
        os.path.realpath(os.path.join(_ENGINE_ROOT, d)) + os.sep
        for d in ("engine", "tui", "capsule", "reload", "cli", "console")
    }
)


@lru_cache(maxsize=8192)
def canonical(path: str) -> str:
    """The real, absolute path of a file: how every breakpoint, module and reload is keyed."""
    return os.path.realpath(os.path.abspath(path))


def _library_roots() -> tuple[str, ...]:
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            roots.add(os.path.realpath(sysconfig.get_paths()[key]) + os.sep)
        except KeyError:
            pass
    for p in sys.path:
        if "site-packages" in p or "dist-packages" in p:
            roots.add(os.path.realpath(p) + os.sep)
    roots.add(os.path.realpath(sys.base_prefix) + os.sep + "lib" + os.sep)
    return tuple(sorted(roots))


_LIBRARY_ROOTS = _library_roots()
_user_dirs: tuple[str, ...] = ()  # folders (ending in os.sep) that count as the program's own code
_user_files: frozenset[str] = frozenset()  # and files


def set_user_roots(roots: Iterable[str]) -> None:
    """Count these folders and files as the program's own code even where they are library code (the package
    of `-m some.installed.package`). Replaces the roots set before; an empty list goes back to the default."""
    global _user_dirs, _user_files
    paths = {canonical(r) for r in roots}
    dirs = tuple(sorted(p + os.sep for p in paths if os.path.isdir(p)))
    files = frozenset(p for p in paths if not os.path.isdir(p))
    if (dirs, files) != (_user_dirs, _user_files):
        _user_dirs, _user_files = dirs, files
        is_user_file.cache_clear()


def user_roots() -> tuple[str, ...]:
    """The folders and files set_user_roots counts as the program's own code."""
    return (*_user_dirs, *sorted(_user_files))


@lru_cache(maxsize=16384)
def is_user_file(filename: str) -> bool:
    """True for the program's own files; False for the stdlib, site-packages, frozen modules and us."""
    if not filename or filename.startswith("<"):
        return False
    path = canonical(filename)
    if path.startswith(_PACKAGE_ROOTS):
        return False
    if path in _user_files or (_user_dirs and path.startswith(_user_dirs)):
        return True
    return not path.startswith(_LIBRARY_ROOTS)


@lru_cache(maxsize=16384)
def is_own_file(filename: str) -> bool:
    """Files of dapper-tui itself (never traced, never shown)."""
    return (
        canonical(filename).startswith(_PACKAGE_ROOTS) if filename and not filename.startswith("<") else False
    )


@dataclass(frozen=True)
class Source:
    module: str
    path: str
    user: bool

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


def loaded_sources(*, include_library: bool = False, modules: dict | None = None) -> list[Source]:
    """Python modules with a source file on disk, the program's own first."""
    result: dict[str, Source] = {}
    for name, mod in list((modules if modules is not None else sys.modules).items()):
        file = getattr(mod, "__file__", None)
        if not isinstance(file, str) or not file.endswith((".py", ".pyw")):
            continue
        path = canonical(file)
        if is_own_file(path):
            continue
        user = is_user_file(path)
        if not user and not include_library:
            continue
        if path not in result or name == "__main__":
            result[path] = Source(module=name, path=path, user=user)
    return sorted(result.values(), key=lambda s: (not s.user, s.module != "__main__", s.module))
