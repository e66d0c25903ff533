"""Real packages installed into the test interpreter's site-packages (by pip, from wheels written here), and
uninstalled afterwards: what `dapper-tui -m some.installed.package` debugs."""

from __future__ import annotations

import base64
import hashlib
import importlib
import subprocess
import sys
import sysconfig
import textwrap
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


def unique_name(stem: str) -> str:
    """A package name no other test (or xdist worker installing at the same time) uses."""
    return f"{stem}_{uuid.uuid4().hex[:8]}"


def build_wheel(dest: Path, name: str, files: dict[str, str], version: str = "0.1") -> Path:
    """A pure-Python wheel of `files` (paths inside site-packages -> source, dedented), built by hand (no build
    backend, no network)."""
    texts = {path: textwrap.dedent(text) for path, text in files.items()}
    info = f"{name}-{version}.dist-info"
    texts[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    texts[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: dapper-tui\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for path, text in texts.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    texts[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = dest / f"{name}-{version}-py3-none-any.whl"
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as z:
        for path, text in texts.items():
            z.writestr(path, text)
    return wheel


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextmanager
def installed(tmp: Path, packages: dict[str, dict[str, str]]) -> Iterator[dict[str, Path]]:
    """pip-install each package (name -> {path inside the package: source}) into this interpreter's
    site-packages; yields name -> the package's folder there. Uninstalled, and forgotten by sys.modules, after."""
    wheels = [
        build_wheel(tmp, name, {f"{name}/{path}": text for path, text in files.items()})
        for name, files in packages.items()
    ]
    _pip("install", "--no-deps", "--no-index", *map(str, wheels))
    importlib.invalidate_caches()
    site = Path(sysconfig.get_paths()["purelib"])
    try:
        yield {name: site / name for name in packages}
    finally:
        forget(packages)
        _pip("uninstall", "-y", *packages)
        importlib.invalidate_caches()


def forget(packages: Iterable[str]) -> None:
    """Drop the packages' modules from sys.modules: the next run imports them afresh."""
    names = set(packages)
    for mod in [m for m in sys.modules if m.split(".")[0] in names]:
        del sys.modules[mod]


# A one-module library (`<name>.util.louder`) for the tests that break in, reload and save library code.
UTIL = """\
    def louder(word):
        big = word.upper()               # lib line
        return big + "?"
    """


@contextmanager
def installed_util(tmp: Path, stem: str) -> Iterator[tuple[str, Path]]:
    """pip-install a fresh package with UTIL as `util.py` (tests edit it, so one per test); yields its name and
    the installed util.py."""
    name = unique_name(stem)
    with installed(tmp, {name: {"__init__.py": "", "util.py": UTIL}}) as dirs:
        yield name, dirs[name] / "util.py"
