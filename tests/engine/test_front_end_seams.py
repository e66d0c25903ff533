"""The front ends and the engine's fork handling go through public seams: the line console (console/), the DAP
life cycle and engine/forking.py never read or write another object's private attributes (`session._x`,
`proxy._original`) or import a private module or name (`hotreload._sources`, `_OutProxy`). A rename inside the
session then cannot break them silently (an AttributeError at a user's fork, a launch that tells no thread)."""

from __future__ import annotations

import ast
from pathlib import Path

import dapper_tui.console
import dapper_tui.engine

CONSOLE = Path(next(iter(dapper_tui.console.__path__)))
ENGINE = Path(next(iter(dapper_tui.engine.__path__)))
CHECKED = [
    *sorted(CONSOLE.glob("*.py")),
    ENGINE / "forking.py",
    ENGINE / "dap" / "handlers" / "lifecycle.py",
]
# the standard library's own underscore names: os._exit, a lock's _at_fork_reinit (what fork handling is for)
ALLOWED = {"_exit", "_at_fork_reinit"}


def _private(name: str) -> bool:
    return (
        name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name not in ALLOWED
    )


def _reaches_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue  # its own
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                continue  # its own, from a base class
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom):
            names = [*(node.module or "").split("."), *(a.name for a in node.names)]
            private = [name for name in names if _private(name)]
            if private:
                found.append(f"{path.name}:{node.lineno} from {node.module}: {', '.join(private)}")
    return found


def test_front_ends_and_fork_handling_use_public_seams_only() -> None:
    assert all(p.is_file() for p in CHECKED), [str(p) for p in CHECKED if not p.is_file()]
    found = [hit for path in CHECKED for hit in _reaches_in(path)]
    assert found == []
