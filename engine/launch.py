"""What to debug, and how to run it in this process as `__main__`."""

from __future__ import annotations

import builtins
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType

from .framecode.room import with_room


@dataclass
class LaunchTarget:
    program: str | None = None  # a script path
    module: str | None = None  # or `-m pkg.mod`
    args: list[str] = field(default_factory=list)
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if bool(self.program) == bool(self.module):
            raise ValueError("give a program or a module, not both")
        if self.program:
            self.program = os.path.realpath(os.path.abspath(self.program))

    @property
    def title(self) -> str:
        return os.path.basename(self.program) if self.program else f"-m {self.module}"

    def own_code(self) -> list[str]:
        """Where the launched module's own code lives: its top-level package's folders (or the module's file).
        `-m pyflakes` debugs pyflakes: its files are the program's own code even inside site-packages.
        Found without importing anything, as `-m` would find it (the working folder first)."""
        if not self.module:
            return []
        top = self.module.partition(".")[0]
        spec = importlib.machinery.PathFinder.find_spec(top, [self.cwd or os.getcwd(), *sys.path])
        if spec is None:
            try:
                spec = importlib.util.find_spec(top)
            except (ImportError, ValueError):
                return []
        if spec is None:
            return []
        if spec.submodule_search_locations:
            return [p for p in spec.submodule_search_locations if os.path.isdir(p)]
        if spec.has_location and spec.origin and os.path.isfile(spec.origin):
            return [spec.origin]
        return []

    def check(self) -> str | None:
        """A clear message when the target cannot be launched at all."""
        if self.program:
            if not os.path.exists(self.program):
                return f"{self.program}: no such file"
            if os.path.isdir(self.program) and not os.path.exists(os.path.join(self.program, "__main__.py")):
                return f"{self.program} is a directory without __main__.py"
        return None


class _Environment:
    """The environment as the run found it, put back afterwards: `os.environ` (the mapping, and the object
    itself, which a program may rebind) and the C-level environment below it, which child processes inherit.
    The C level has no listing, so while the run is on `os.putenv`/`os.unsetenv` note the names they touch
    (`os.environ`'s own writes go through them too); each is put back, or unset, at the end."""

    def __init__(self) -> None:
        self.environ = os.environ
        self.values = dict(os.environ)
        self.touched: set[str] = set()
        self._real = (os.putenv, os.unsetenv)
        real_putenv, real_unsetenv = self._real
        touched = self.touched

        def putenv(name: str | bytes, value: str | bytes, /) -> None:
            real_putenv(name, value)
            touched.add(os.fsdecode(name))  # os.environ passes encoded names

        def unsetenv(name: str | bytes, /) -> None:
            real_unsetenv(name)
            touched.add(os.fsdecode(name))

        putenv.__doc__, unsetenv.__doc__ = real_putenv.__doc__, real_unsetenv.__doc__
        self._wrappers = (putenv, unsetenv)
        os.putenv, os.unsetenv = putenv, unsetenv  # type: ignore[assignment]

    def restore(self) -> None:
        if (os.putenv, os.unsetenv) == self._wrappers:
            os.putenv, os.unsetenv = self._real
        real_putenv, real_unsetenv = self._real
        tz = os.environ.get("TZ")
        os.environ = self.environ  # noqa: B003 - the object, if the program rebound it
        if dict(os.environ) != self.values:
            os.environ.clear()
            os.environ.update(self.values)
        for name in self.touched:
            try:
                if name in self.values:
                    real_putenv(name, self.values[name])
                else:
                    real_unsetenv(name)
            except (OSError, ValueError, TypeError):
                continue
        if tz != self.values.get("TZ") or "TZ" in self.touched:
            time.tzset()  # the program's time zone goes with its TZ


class _Saved:
    """What a run changes in the process and the next run must find as a fresh process would: the arguments,
    the import system (path, finders, path hooks), `__main__`, the working folder and the environment."""

    def __init__(self) -> None:
        self.argv = sys.argv[:]
        self.path = sys.path[:]
        self.meta_path = sys.meta_path[:]
        self.path_hooks = sys.path_hooks[:]
        self.main = sys.modules.get("__main__")
        self.cwd = os.getcwd()
        self.env = _Environment()

    def restore(self) -> None:
        sys.argv[:] = self.argv
        sys.path[:] = self.path
        sys.meta_path[:] = self.meta_path
        sys.path_hooks[:] = self.path_hooks
        sys.path_importer_cache.clear()  # finders the program's path hooks made
        self.env.restore()
        if self.main is not None:
            sys.modules["__main__"] = self.main
        try:
            os.chdir(self.cwd)
        except OSError:
            pass


def run(target: LaunchTarget, prepare: Callable[[CodeType], CodeType] | None = None) -> None:
    """Run the target on the calling thread with `__name__ == "__main__"`, its own argv and sys.path[0].

    `prepare` gets the script's compiled code before it runs (the tracing backend puts its breakpoint hooks in);
    a module target's code reaches the backend through its import finder.

    Exceptions (SystemExit included) propagate to the caller. The process-wide state it changes (argv,
    the import system, `__main__`, cwd, the environment) is put back afterwards.
    """
    saved = _Saved()
    try:
        if target.cwd:
            os.chdir(target.cwd)
        os.environ.update(target.env)
        if target.program:
            _run_script(target.program, target.args, prepare)
        else:
            assert target.module
            sys.argv[:] = [target.module, *target.args]
            sys.path.insert(0, os.getcwd())
            runpy.run_module(target.module, run_name="__main__", alter_sys=True)
    finally:
        saved.restore()


def _run_script(path: str, args: list[str], prepare: Callable[[CodeType], CodeType] | None) -> None:
    if os.path.isdir(path):
        path = os.path.join(path, "__main__.py")
    sys.argv[:] = [path, *args]
    sys.path.insert(0, os.path.dirname(path))
    with open(path, "rb") as f:
        source = f.read()
    code = with_room(compile(source, path, "exec", dont_inherit=True))  # frames can grow on a reload
    if prepare is not None:
        code = prepare(code)
    main = types.ModuleType("__main__")
    main.__dict__.update({"__file__": path, "__builtins__": builtins, "__spec__": None, "__cached__": None})
    sys.modules["__main__"] = main
    exec(code, main.__dict__)
