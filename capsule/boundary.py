"""The capsule's runtime boundary, and the check that turns crossing it into a reload failure.

Definition. The capsule reloads the tools when a file of the *tool surface* changes: ``src/tools/**`` (and
``.env`` and ``requirements.txt``, which replace the capsule too). A tool module may import:

- other modules of ``src/tools/`` (``agent_tools.*``, helpers named ``_*.py``, relative imports);
- the standard library and the project's declared libraries: anything installed outside the project folder,
  or in the project's own venvs (``DIR/.venv``, ``DIR/.dapper/``).

It crosses the boundary when it imports

- the project's *wiring*: a module whose file lies in the project folder but outside ``src/tools/`` and the
  venvs (say ``DIR/settings.py`` that reads ``agent.toml``, or ``src/app.py``). A change there is a
  restart-required row, never a tool reload, so the tools would go on with a stale copy of it;
- dapper-tui's own host runtime, ``dapper_tui.capsule`` and its modules. They belong to the process that hosts
  the tools, not to the tools: a tool that uses them depends on an interface that changes with dapper-tui and
  on state the tools cannot see (the manager's configuration, threads, secrets).

Enforcement. While a tool file is imported (``load_tools``), ``ImportGuard`` watches the ``import`` statements of
``agent_tools`` modules, and afterwards looks at every module the import added to ``sys.modules``. Either way,
a module across the boundary is a load failure of that tool file whose message names the import: the new
capsule does not start, and the old surface stays current. Not seen: an import made later, inside a tool
function at call time, and ``importlib.import_module`` of a runtime module that was already loaded.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RUNTIME_PACKAGE = "dapper_tui.capsule"


class ImportGuard:
    def __init__(self, tools_dir: Path, package: str) -> None:
        self.tools_dir = tools_dir.resolve()
        self.root = self.tools_dir.parent.parent
        self.package = package
        self._allowed = [self.tools_dir, self.root / ".venv", self.root / ".dapper"]
        self._allowed += [Path(p).resolve() for p in (sys.prefix, sys.base_prefix)]

    def _is_tool_module(self, name: str) -> bool:
        return name == self.package or name.startswith(self.package + ".")

    def problem(self, name: str) -> str | None:
        """Why importing module ``name`` (already in ``sys.modules``) crosses the boundary, else None."""
        if name == RUNTIME_PACKAGE or name.startswith(RUNTIME_PACKAGE + "."):
            return f"{name} is dapper-tui's own capsule runtime, which tools must not depend on"
        if self._is_tool_module(name):
            return None
        file = getattr(sys.modules.get(name), "__file__", None)
        if not file:
            return None
        path = Path(file).resolve()
        if not path.is_relative_to(self.root) or any(path.is_relative_to(a) for a in self._allowed):
            return None
        where = path.relative_to(self.root)
        return (
            f"{name} ({where}) is the project's wiring, outside src/tools/ and the project's libraries: "
            "a change there would not reload the tools (move it into src/tools/, e.g. as a _helper.py)"
        )

    def _targets(self, name: str, fromlist: Any, level: int) -> list[str]:
        if level or not name:
            return []
        names = [name]
        for item in fromlist or ():
            if isinstance(item, str) and f"{name}.{item}" in sys.modules:
                names.append(f"{name}.{item}")
        return names

    @contextmanager
    def watching(self) -> Iterator[list[str]]:
        """Collect boundary problems of the imports made inside the block (see the module docstring)."""
        found: list[str] = []
        before = set(sys.modules)
        original = builtins.__import__

        def guarded(
            name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
        ) -> Any:
            module = original(name, globals, locals, fromlist, level)
            importer = (globals or {}).get("__name__", "")
            if isinstance(importer, str) and self._is_tool_module(importer):
                for target in self._targets(name, fromlist, level):
                    why = self.problem(target)
                    if why and why not in found:
                        found.append(why)
            return module

        builtins.__import__ = guarded
        try:
            yield found
        finally:
            builtins.__import__ = original
            for name in sorted(set(sys.modules) - before):
                why = self.problem(name)
                if why and why not in found:
                    found.append(why)

    @staticmethod
    def message(module: str, problems: list[str]) -> str:
        lines = "\n".join(f"  - {p}" for p in problems)
        return f"runtime boundary violation: {module} imports across the capsule boundary:\n{lines}"
