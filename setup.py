"""Maps the top-level code folders onto the ``dapper_tui`` namespace.

The debugger runs inside the user's process, so our packages must never be importable as bare ``engine`` or
``tui``: a user's own ``engine.py`` would shadow ours, or ours theirs. The folders stay at the top of the
repository (one folder a concept) and install as ``dapper_tui.engine``, ``dapper_tui.tui`` and so on.
Sub-packages are found by walking each folder, so adding one needs no edit here.
"""

from pathlib import Path

from setuptools import setup

ROOTS = {
    "dapper_tui": "cli",
    "dapper_tui.engine": "engine",
    "dapper_tui.tui": "tui",
    "dapper_tui.capsule": "capsule",
    "dapper_tui.reload": "reload",
    "dapper_tui.console": "console",
}


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for name, folder in ROOTS.items():
        package_dir[name] = folder
        for init in sorted(Path(folder).rglob("__init__.py")):
            rel = init.parent.relative_to(folder)
            packages.append(".".join([name, *rel.parts]))
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()
setup(
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    include_package_data=True,
    package_data={"": ["*.tcss", "*.md", "*.toml", "*.txt", "*.json", "*.js", "templates/**/*"]},
)
