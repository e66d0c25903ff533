"""The engine's own collaborators of the session (the program's run, reloads, jumps, where the program stops) and
the attach entry point (cli/attach.py) use the session's internal API (`emit`, `stop_at`, `refresh_tracing`,
`program_frames`, `in_debugger`, `reload_lock`), never its private members, and import nothing private from
another package (`hotreload._resolve`, `tracing._codes`): a rename inside the session or the hot reload package
then cannot break them silently (a `set_trace()` that raises AttributeError in the user's program)."""

from __future__ import annotations

import ast
from pathlib import Path

import dapper_tui
import dapper_tui.engine
from test_front_end_seams import _reaches_in

ENGINE = Path(next(iter(dapper_tui.engine.__path__)))
CLI = Path(next(iter(dapper_tui.__path__)))
CHECKED = [
    ENGINE / "program.py",
    ENGINE / "reloading.py",
    ENGINE / "goto.py",
    ENGINE / "stop_rules.py",
    CLI / "attach.py",
]
# the standard library's own underscore names the checked modules need: a frame of the caller, the threading
# module's hook that runs before the interpreter waits for threads at exit
ALLOWED = {"_getframe", "_register_atexit"}


def test_session_collaborators_use_its_internal_api_only() -> None:
    assert all(p.is_file() for p in CHECKED), [str(p) for p in CHECKED if not p.is_file()]
    found = [hit for path in CHECKED for hit in _reaches_in(path) if hit.rsplit(".", 1)[-1] not in ALLOWED]
    assert found == []


def _private_hotreload_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and "hotreload" in (node.module or "").split("."):
            after = (node.module or "").split("hotreload", 1)[1]
            names = [a.name for a in node.names] if not after else []
            if after.startswith("._") or any(n.startswith("_") for n in names):
                found.append(
                    f"{path}:{node.lineno} from {node.module} import {', '.join(a.name for a in node.names)}"
                )
    return found


def test_only_the_hot_reload_package_imports_its_private_modules() -> None:
    packages = [
        ENGINE,
        CLI,
        ENGINE.parent / "console",
        ENGINE.parent / "tui",
    ]  # folders that install as dapper_tui.*
    files = [f for root in packages for f in root.rglob("*.py") if (ENGINE / "hotreload") not in f.parents]
    assert len(files) > 50
    found = [hit for path in files for hit in _private_hotreload_imports(path)]
    assert found == []
