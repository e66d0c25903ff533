"""The agent project folder: its layout, its configuration, and which reload-table row a changed path belongs to.

```
DIR/
  agent.toml            config (restart required on change)
  .env                  environment for the capsule
  requirements.txt      dependencies of the tools, installed into a fresh DIR/.dapper/venvs/<digest>; DIR/.venv
                        is a symlink to the one in use (switched only once an install succeeded)
  src/identity.md, src/system.md, src/boot.md
  src/tools/**.py       tools
  src/prompts/**        prompt templates with front matter
  src/scripts/**        scripts
  data/                 durable state: threads, logs, anything a tool must remember
  .dapper/              the runtime's own files (venvs); ignored by the watcher and by git
```

``agent.toml`` keys read here::

    name = "..."
    model = "scripted"            # or [model] name = "openai:gpt-4o" plus options
    [runtime]
    drain_timeout = 30            # seconds an old generation's in-flight tool call may run before a kill
    start_timeout = 30
    call_timeout = 60             # seconds a tool call may run; then it is an error and its capsule is replaced
    crash_window = 60             # three quick crashes, each within this many seconds of the last, stop restarts
    max_steps = 8
    warm_spare = true
    log_max_bytes = 10000000      # data/logs/capsule.log is rotated at this size ...
    log_keep = 3                  # ... keeping this many old ones (capsule.log.1 is the newest)
    result_max_bytes = 100000     # a longer tool result is stored in data/tool-results/; the thread gets a preview
    address_space_mb = 0          # RLIMIT_AS of each capsule process in MiB (0: no limit)
    [env]
    secrets = ["DATABASE_URL"]    # .env entries redacted whatever their name (see capsule/secrets.py)
    public = ["SESSION_DIR"]      # .env entries never redacted, even when the name looks secret
    override = false              # true: .env wins over the real environment for a name set in both

Environment precedence: the real environment (the shell's, the MCP client's ``env``) wins over ``.env`` for a
name set in both, as python-dotenv's ``load_dotenv()`` does by default; ``[env] override = true`` makes ``.env``
win instead. ``AgentProject.env()`` applies this: it returns each ``.env`` name with the value that takes effect.
"""

from __future__ import annotations

import enum
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IDENTITY_FILES = ("identity.md", "system.md", "boot.md")
_IGNORED_DIRS = {
    "data",
    ".venv",
    ".dapper",
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
}
_TEMP_NAME = re.compile(r"(\.sw.|~|\.tmp|\.py[cod])$|^\.#|^4913$")


class Row(enum.Enum):
    """The rows of the agent's reload table (README, "Agents")."""

    TOOLS = "tools"
    IDENTITY = "identity"
    ENV = "env"
    REQUIREMENTS = "requirements"
    PROMPTS = "prompts"
    SCRIPTS = "scripts"
    RESTART = "restart-required"

    @property
    def replaces_capsule(self) -> bool:
        return self in (Row.TOOLS, Row.ENV, Row.REQUIREMENTS)


@dataclass
class AgentConfig:
    name: str = "agent"
    model: str = "scripted"
    drain_timeout: float = 30.0
    start_timeout: float = 30.0
    max_steps: int = 8
    warm_spare: bool = True
    call_timeout: float = 60.0
    crash_window: float = 60.0
    log_max_bytes: int = 10_000_000
    log_keep: int = 3
    result_max_bytes: int = 100_000
    address_space_mb: int = 0
    model_options: dict[str, Any] = field(default_factory=dict)
    env_secrets: tuple[str, ...] = ()
    env_public: tuple[str, ...] = ()
    env_override: bool = False  # [env] override: .env wins over the real environment
    raw: dict[str, Any] = field(default_factory=dict)


class ProjectError(Exception):
    pass


def parse_env(text: str) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, ``export`` prefix, quotes, ``#`` comments."""
    env: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n")
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        env[key] = value
    return env


def _made(folder: Path) -> Path:
    """``folder``, made when it is missing (its parent exists)."""
    folder.mkdir(exist_ok=True)
    return folder


class AgentProject:
    """Reads the layout of an agent folder. Cheap to build; every accessor reads the disk again."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ProjectError(f"agent project {self.root} does not exist")

    # -- paths ----------------------------------------------------------------------------------------------

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def tools_dir(self) -> Path:
        return self.src / "tools"

    @property
    def prompts_dir(self) -> Path:
        return self.src / "prompts"

    @property
    def scripts_dir(self) -> Path:
        return self.src / "scripts"

    @property
    def data_dir(self) -> Path:
        return _made(self.root / "data")

    @property
    def logs_dir(self) -> Path:
        return _made(self.data_dir / "logs")

    @property
    def venv_dir(self) -> Path:
        """``DIR/.venv``: a symlink to the venv in use under ``venvs_dir`` (or a folder made by an older version)."""
        return self.root / ".venv"

    @property
    def dapper_dir(self) -> Path:
        """``DIR/.dapper``: the runtime's own files. It ignores itself in git (a ``.gitignore`` of ``*``)."""
        path = self.root / ".dapper"
        if not path.is_dir():
            path.mkdir(exist_ok=True)
            (path / ".gitignore").write_text("# dapper-tui's own files (venvs); not the project's\n*\n")
        return path

    @property
    def venvs_dir(self) -> Path:
        """One venv per ``requirements.txt`` digest; a new one is built beside the one in use."""
        return _made(self.dapper_dir / "venvs")

    @property
    def requirements_file(self) -> Path:
        return self.root / "requirements.txt"

    @property
    def env_file(self) -> Path:
        return self.root / ".env"

    @property
    def config_file(self) -> Path:
        return self.root / "agent.toml"

    # -- contents -------------------------------------------------------------------------------------------

    def config(self) -> AgentConfig:
        raw: dict[str, Any] = {}
        if self.config_file.exists():
            try:
                raw = tomllib.loads(self.config_file.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise ProjectError(f"{self.config_file}: {exc}") from exc
        runtime = raw.get("runtime", {})
        if not isinstance(runtime, dict):
            raise ProjectError(f"{self.config_file}: [runtime] must be a table")
        model = raw.get("model", "scripted")
        options: dict[str, Any] = {}
        if isinstance(model, dict):
            options = dict(model)
            model = str(options.pop("name", "scripted"))
        env_table = raw.get("env", {})
        if not isinstance(env_table, dict):
            raise ProjectError(f"{self.config_file}: [env] must be a table")
        names: dict[str, tuple[str, ...]] = {}
        for key in ("secrets", "public"):
            value = env_table.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProjectError(f"{self.config_file}: [env] {key} must be a list of variable names")
            names[key] = tuple(value)
        override = env_table.get("override", False)
        if not isinstance(override, bool):
            raise ProjectError(f"{self.config_file}: [env] override must be true or false")
        limits = self._limits(runtime)
        return AgentConfig(
            **limits,
            name=str(raw.get("name", self.root.name)),
            model=str(model),
            drain_timeout=float(runtime.get("drain_timeout", 30.0)),
            start_timeout=float(runtime.get("start_timeout", 30.0)),
            max_steps=int(runtime.get("max_steps", 8)),
            warm_spare=bool(runtime.get("warm_spare", True)),
            model_options=options,
            env_secrets=names["secrets"],
            env_public=names["public"],
            env_override=override,
            raw=raw,
        )

    def _limits(self, runtime: dict[str, Any]) -> dict[str, Any]:
        """The ``[runtime]`` bounds: each a number within its range, else a ``ProjectError`` naming the key."""
        spec: dict[str, tuple[type, float, float]] = {
            "call_timeout": (float, 0.01, 86_400),
            "crash_window": (float, 0.0, 86_400),
            "log_max_bytes": (int, 1_000, 2**40),
            "log_keep": (int, 1, 100),
            "result_max_bytes": (int, 1_000, 2**40),
            "address_space_mb": (int, 0, 2**30),
        }
        defaults = AgentConfig()
        limits: dict[str, Any] = {}
        for key, (kind, low, high) in spec.items():
            value = runtime.get(key, getattr(defaults, key))
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise ProjectError(
                    f"{self.config_file}: [runtime] {key} must be a number from {low:g} to {high:g}"
                )
            if kind is int and value != int(value):
                raise ProjectError(f"{self.config_file}: [runtime] {key} must be a whole number")
            limits[key] = kind(value)
        return limits

    def dotenv(self) -> dict[str, str]:
        """The ``.env`` file's entries as written (no precedence applied)."""
        if not self.env_file.exists():
            return {}
        return parse_env(self.env_file.read_text(encoding="utf-8"))

    def env_override(self) -> bool:
        """``[env] override`` of agent.toml (``False`` when agent.toml cannot be read)."""
        try:
            return self.config().env_override
        except ProjectError:
            return False

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Each ``.env`` name with the value that takes effect over ``base`` (``os.environ`` by default).

        The real environment wins for a name set in both, unless ``[env] override = true``: so
        ``{**base, **project.env(base)}`` is the capsule's environment either way, and the value of a ``.env``
        name that the real environment supplies is still known (and redacted when it is a secret).
        """
        entries = self.dotenv()
        if not entries or self.env_override():
            return entries
        real = os.environ if base is None else base
        return {k: real.get(k, v) for k, v in entries.items()}

    def tool_files(self) -> list[Path]:
        if not self.tools_dir.is_dir():
            return []
        return sorted(
            p
            for p in self.tools_dir.rglob("*.py")
            if "__pycache__" not in p.parts and not p.name.startswith(("_", "."))
        )

    def uses_venv(self) -> bool:
        return self.requirements_file.exists()

    def venv_python(self) -> Path:
        return self.venv_dir / "bin" / "python"

    def python(self) -> str:
        """The interpreter the capsule runs on: DIR/.venv's when the project has requirements."""
        if self.uses_venv() and self.venv_python().exists():
            return str(self.venv_python())
        return sys.executable

    # -- classification -------------------------------------------------------------------------------------

    def claims(self, path: Path) -> bool:
        return self.classify(path) is not None

    def classify(self, path: Path) -> Row | None:
        """The reload-table row for a changed path, or ``None`` when the change is not the agent's business."""
        try:
            rel = Path(os.path.realpath(path)).relative_to(self.root)
        except ValueError:
            return None
        parts = rel.parts
        if not parts or parts[0] in _IGNORED_DIRS or any(p == "__pycache__" for p in parts):
            return None
        if _TEMP_NAME.search(parts[-1]):
            return None
        if parts == ("agent.toml",):
            return Row.RESTART
        if parts == (".env",):
            return Row.ENV
        if parts == ("requirements.txt",):
            return Row.REQUIREMENTS
        if parts[0] == "src":
            if len(parts) == 2 and parts[1] in IDENTITY_FILES:
                return Row.IDENTITY
            # an editor's temp file (`sed -i` writes `sedXXXXXX` beside the file and renames it over it) is
            # not a tool, a prompt or a script: only files with a suffix count, and only `.py` files as tools
            # A folder moved in whole reports no event for its files, so a folder counts as a change too.
            suffix = rel.suffix
            folder = os.path.isdir(path)
            if len(parts) >= 2 and parts[1] == "tools":
                return Row.TOOLS if suffix == ".py" or folder else None
            if len(parts) >= 2 and parts[1] == "prompts":
                return Row.PROMPTS if suffix or folder else None
            if len(parts) >= 2 and parts[1] == "scripts":
                return Row.SCRIPTS if suffix or folder else None
            return Row.RESTART  # other module wiring under src/
        if len(parts) == 1 and Path(parts[0]).suffix in {
            ".py",
            ".toml",
            ".cfg",
            ".ini",
            ".json",
            ".yaml",
            ".yml",
        }:
            return Row.RESTART
        return None
