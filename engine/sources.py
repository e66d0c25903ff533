"""Source files: canonical paths, "just my code", and the debuggee's loaded sources."""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

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


def _install_roots(*keys: str) -> set[str]:
    """The folders (ending in os.sep) of these sysconfig install paths, and every site-packages on sys.path."""
    roots = set()
    paths = sysconfig.get_paths()
    for key in keys:
        if key in paths:
            roots.add(os.path.realpath(paths[key]) + os.sep)
    for p in sys.path:
        if "site-packages" in p or "dist-packages" in p:
            roots.add(os.path.realpath(p) + os.sep)
    return roots


def _library_roots() -> tuple[str, ...]:
    roots = _install_roots("stdlib", "platstdlib", "purelib", "platlib")
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


_loaded_cache: dict[bool, tuple[tuple[object, ...], list[Source]]] = {}


def loaded_sources(
    *, include_library: bool = False, modules: Mapping[str, object] | None = None
) -> list[Source]:
    """Python modules with a source file on disk, the program's own first.

    The list of `sys.modules` is kept until a module is imported or removed (the number of modules or the
    last one imported differs), `__main__` is replaced or the user roots change: every stop asks for it, and
    listing took ~6 ms."""
    if modules is not None:
        return _list_sources(modules, include_library)
    names = sys.modules
    try:
        last = next(reversed(names), None)
    except RuntimeError:  # another thread imported meanwhile: list them now
        return _list_sources(names, include_library)
    main = names.get("__main__")  # replaced in place when a program starts: same size, same last module
    key = (len(names), last, id(main), getattr(main, "__file__", None), _user_dirs, _user_files)
    cached = _loaded_cache.get(include_library)
    if cached is not None and cached[0] == key:
        return list(cached[1])
    result = _list_sources(names, include_library)
    _loaded_cache[include_library] = (key, result)
    return list(result)


def _list_sources(modules: Mapping[str, object], include_library: bool) -> list[Source]:
    result: dict[str, Source] = {}
    for name, mod in list(modules.items()):
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


# -- what a reload may patch ----------------------------------------------------------------------------------

Kind = Literal["program", "library", "stdlib", "dapper-tui"]
RELOAD_LIBRARIES_ENV = "DAPPER_TUI_RELOAD_LIBRARIES"


_SITE_ROOTS = tuple(sorted(_install_roots("purelib", "platlib")))


def source_kind(filename: str) -> Kind:
    """Whose file this is: the program's own, an installed library's (site-packages, or anything else outside the
    program that is not the standard library), the standard library's, or dapper-tui's."""
    path = canonical(filename)
    if is_own_file(path):
        return "dapper-tui"
    if is_user_file(path):
        return "program"
    if path.startswith(_SITE_ROOTS) or not path.startswith(_LIBRARY_ROOTS):
        return "library"
    return "stdlib"


def reload_libraries() -> bool:
    """Do saves of library files reload them? Only when the user opted in (`--reload-libraries`, or the
    environment variable set to 1)."""
    return os.environ.get(RELOAD_LIBRARIES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def reload_refusal(filename: str, module: str | None = None) -> tuple[str, str] | None:
    """Why a loaded file must never be reloaded (error, hint), or None when it may be."""
    name = module or os.path.basename(filename)
    kind = source_kind(filename)
    if kind == "stdlib":
        return (
            f"refused: standard library module ({name}) — reloading it would affect the debugger itself, "
            "which runs in the same process",
            "Restart the program to run changed standard library code.",
        )
    if kind == "dapper-tui":
        return (
            f"refused: dapper-tui's own module ({name}) — the debugger cannot reload itself",
            "Restart dapper-tui to run its changed code.",
        )
    return None


def library_reload_warning() -> str:
    """The warning an applied reload of a library module carries."""
    if reload_libraries():
        return "library module: reloaded; saves of library files reload them (--reload-libraries)"
    return (
        "library module: reloaded on request; saves of library files are not watched unless --reload-libraries "
        f"is given (or {RELOAD_LIBRARIES_ENV}=1)"
    )


def module_file(name: str) -> str | None:
    """The source file of the loaded module `name` (`rich.console`), or None when no such module is loaded or it
    has no Python source."""
    mod = sys.modules.get(name)
    file = getattr(mod, "__file__", None) if mod is not None else None
    if not isinstance(file, str) or not file.endswith((".py", ".pyw")) or not os.path.isfile(file):
        return None
    return canonical(file)


def module_of_file(filename: str) -> str | None:
    """The name of a loaded module whose source is `filename` (`__main__` first), or None."""
    path = canonical(filename)
    names = [
        name
        for name, mod in list(sys.modules.items())
        if isinstance(file := getattr(mod, "__file__", None), str) and canonical(file) == path
    ]
    return "__main__" if "__main__" in names else next(iter(names), None)


def watch_root(filename: str) -> str:
    """The folder to watch for saves of a library file: its top-level package's folder under site-packages (a
    single-file module: the file itself), else its own folder."""
    path = canonical(filename)
    for root in _SITE_ROOTS:
        if path.startswith(root):
            first = path[len(root) :].split(os.sep, 1)[0]
            return root + first
    return os.path.dirname(path)


def find_source(text: str, base: str | None = None) -> str:
    """The file `text` names: a loaded module (`rich.console`), a path (relative to the current directory, else
    to `base`, the script's folder), or the name of a loaded file (`console.py`, when only one is loaded). Raises
    ValueError saying why nothing matches."""
    name = text.strip()
    if not name:
        raise ValueError("type a module name (rich.console) or a file path")
    path = os.path.expanduser(name)
    if os.sep in path or path.endswith((".py", ".pyw")):
        tried = [path] if os.path.isabs(path) else [os.path.join(d, path) for d in (os.getcwd(), base) if d]
        full = next((f for f in tried if os.path.isfile(f)), tried[0])
        if os.path.isfile(full):
            if not full.endswith((".py", ".pyw")):
                raise ValueError(f"{name}: not a Python source file (.py)")
            return canonical(full)
        same = sorted(
            {s.path for s in loaded_sources(include_library=True) if s.name == os.path.basename(path)}
        )
        if len(same) == 1 and os.sep not in path:
            return same[0]
        if same and os.sep not in path:
            raise ValueError(
                f"{name}: {len(same)} loaded files have that name; give the module name or a path"
            )
        raise ValueError(f"{name}: no such file")
    found = module_file(name)
    if found is not None:
        return found
    if name in sys.modules:
        raise ValueError(f"{name} has no Python source file (a built-in, frozen or C extension module)")
    example = name.replace(".", "/") + ".py"
    raise ValueError(
        f"{name}: no loaded module of that name, not imported yet: type its file path, e.g. {example}"
    )
