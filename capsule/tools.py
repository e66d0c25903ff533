"""Tools: typed Python functions in ``src/tools/**.py``.

Every public function defined in a tool file (name not starting with ``_``) is a tool. Its docstring is the
description (a Google-style ``Args:`` section gives per-argument descriptions), and its JSON schema comes from
its type hints: ``str``/``int``/``float``/``bool``, ``list[T]``, ``dict[str, T]``, ``T | None``, ``Literal``,
``enum.Enum``, and ``Annotated[T, "description"]`` (a ``dict`` in ``Annotated`` is merged into the schema).
Pydantic models, dataclasses, ``datetime``/``date``/``time``/``timedelta``, ``UUID``, ``Decimal``, ``Path``
and ``Annotated[T, Field(ge=.., le=.., description=..)]`` get pydantic's schema (limits included; models in the
input schema's ``$defs``), and such a parameter, like an ``Enum``, is converted by pydantic before the call:
the function gets the model, the ``datetime``, the enum member. A parameter annotated with the MCP SDK's
``Context`` (``mcp.server.mcpserver.Context``) is not an argument: ``dapper-tui mcp`` passes the request's
context, the console's capsule a stand-in whose progress and log calls go to ``capsule.log``.
Parameters with defaults are optional. Arguments are validated against the schema before the call.

Tool modules are compiled from their source every time a capsule starts, never from cached bytecode: a
same-size save within the same second must not serve the old code (a stale .pyc of the same size and mtime would be used).
Files whose name starts with ``_`` are helpers: importable as ``agent_tools.<name>`` or relatively, never
scanned for tools. A tool file that imports across the runtime boundary (``capsule/boundary.py``) fails to load.
"""

from __future__ import annotations

import enum
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import re
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from dapper_tui.capsule.boundary import ImportGuard

# ToolError, is_context_hint and schema_for are importable from here as before
from dapper_tui.capsule.tool_schema import ToolError as ToolError
from dapper_tui.capsule.tool_schema import is_context_hint as is_context_hint
from dapper_tui.capsule.tool_schema import needs_conversion
from dapper_tui.capsule.tool_schema import schema_for as schema_for

PACKAGE = "agent_tools"


@dataclass
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]
    source_hash: str = ""
    file: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "inputSchema": self.input_schema,
            "sourceHash": self.source_hash,
            "file": self.file,
        }


@dataclass
class Tool:
    spec: ToolSpec
    func: Callable[..., Any]
    params: list[str] = field(default_factory=list)
    converters: dict[str, Any] = field(default_factory=dict)  # parameter -> pydantic TypeAdapter
    context_param: str | None = None  # the parameter that takes the MCP SDK's Context

    def convert(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The arguments as the function takes them (models, enum members, datetimes); raises ``ToolError``."""
        out = dict(kwargs)
        for name, adapter in self.converters.items():
            if name in out:
                try:
                    out[name] = adapter.validate_python(out[name])
                except Exception as exc:  # pydantic's ValidationError
                    raise ToolError(f"{name}: {exc}") from None
        return out


_ARGS_HEADER = re.compile(r"^\s*(Args|Arguments|Parameters):\s*$")
_ARG_LINE = re.compile(r"^\s+(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")


def _split_docstring(doc: str) -> tuple[str, dict[str, str]]:
    lines = inspect.cleandoc(doc).splitlines() if doc else []
    description: list[str] = []
    args: dict[str, str] = {}
    in_args = False
    current: str | None = None
    for line in lines:
        if _ARGS_HEADER.match(line):
            in_args = True
            continue
        if in_args:
            if line and not line[0].isspace():
                in_args = False
                description.append(line)
                continue
            match = _ARG_LINE.match(line)
            if match and (current is None or len(line) - len(line.lstrip()) <= 4):
                current = match.group(1).lstrip("*")
                args[current] = match.group(3).strip()
            elif current and line.strip():
                args[current] += " " + line.strip()
            continue
        description.append(line)
    return "\n".join(description).strip(), args


def spec_for(func: Callable[..., Any], name: str | None = None) -> Tool:
    """Build the tool (spec + validator data) for a typed function."""
    name = name or func.__name__
    try:
        hints = get_type_hints(func, include_extras=True)
    except Exception as exc:
        raise ToolError(f"tool {name}: cannot resolve type hints: {exc}") from exc
    description, arg_docs = _split_docstring(func.__doc__ or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    converters: dict[str, Any] = {}
    context_param: str | None = None
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.name in ("self", "cls"):
            continue
        hint = hints.get(param.name, inspect.Parameter.empty)
        if is_context_hint(hint):
            context_param = param.name
            continue
        try:
            properties[param.name] = _parameter_schema(param, hint, defs, arg_docs.get(param.name))
            if needs_conversion(hint):
                from pydantic import TypeAdapter

                converters[param.name] = TypeAdapter(hint)
        except ToolError as exc:
            raise ToolError(f"tool {name}, parameter {param.name}: {exc}") from exc
        except Exception as exc:  # pydantic cannot build a validator for it
            raise ToolError(f"tool {name}, parameter {param.name}: {type(exc).__name__}: {exc}") from exc
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
    input_schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        input_schema["required"] = required
    if defs:
        input_schema["$defs"] = defs
    spec = ToolSpec(
        name=name,
        description=description or f"The {name} tool.",
        input_schema=input_schema,
        source_hash=_source_hash(func),
        file=getattr(func.__code__, "co_filename", ""),
    )
    return Tool(
        spec=spec, func=func, params=list(properties), converters=converters, context_param=context_param
    )


def _parameter_schema(
    param: inspect.Parameter, hint: Any, defs: dict[str, Any], doc: str | None
) -> dict[str, Any]:
    """One parameter's schema: its hint's, with the docstring's description and a JSON default if any."""
    schema = schema_for(hint, defs)
    if doc is not None and "description" not in schema:
        schema["description"] = doc
    if param.default is not inspect.Parameter.empty:
        default = param.default.value if isinstance(param.default, enum.Enum) else param.default
        try:
            json.dumps(default)
            schema["default"] = default
        except (TypeError, ValueError):
            pass
    return schema


def _source_hash(func: Callable[..., Any]) -> str:
    """The whole file counts: a module-level edit (a constant, a helper) changes what the tool does."""
    try:
        source = Path(func.__code__.co_filename).read_text(encoding="utf-8") + inspect.getsource(func)
    except (OSError, TypeError):
        source = repr(func.__code__.co_code)
    return hashlib.sha256(source.encode()).hexdigest()[:12]


# -- validation -----------------------------------------------------------------------------------------------


def _check(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    errors: list[str] = []
    if "anyOf" in schema:
        if all(_check(value, s, where) for s in schema["anyOf"]):
            errors.append(f"{where}: {value!r} matches none of the allowed types")
        return errors
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']!r}")
        return errors
    expected = schema.get("type")
    if expected is None:
        return errors
    allowed = expected if isinstance(expected, list) else [expected]
    ok = False
    for kind in allowed:
        if (
            (kind == "string" and isinstance(value, str))
            or (kind == "integer" and isinstance(value, int) and not isinstance(value, bool))
            or (kind == "number" and isinstance(value, int | float) and not isinstance(value, bool))
            or (kind == "boolean" and isinstance(value, bool))
            or (kind == "null" and value is None)
            or (kind == "array" and isinstance(value, list))
            or (kind == "object" and isinstance(value, dict))
        ):
            ok = True
            break
    if not ok:
        errors.append(f"{where}: expected {' or '.join(allowed)}, got {type(value).__name__} {value!r}")
        return errors
    if isinstance(value, list):
        if "items" in schema:
            for i, item in enumerate(value):
                errors += _check(item, schema["items"], f"{where}[{i}]")
        if "prefixItems" in schema:
            if len(value) != len(schema["prefixItems"]):
                errors.append(f"{where}: expected {len(schema['prefixItems'])} items, got {len(value)}")
            else:
                for i, (item, sub) in enumerate(zip(value, schema["prefixItems"])):
                    errors += _check(item, sub, f"{where}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}.{key}: required")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                errors += _check(item, props[key], f"{where}.{key}")
            elif extra is False:
                errors.append(f"{where}: unexpected argument {key!r}")
            elif isinstance(extra, dict):
                errors += _check(item, extra, f"{where}.{key}")
    return errors


def validate_arguments(spec: ToolSpec, arguments: dict[str, Any] | None) -> list[str]:
    """Problems with ``arguments`` for ``spec`` (empty when they are valid)."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return [f"arguments must be an object, got {type(arguments).__name__}"]
    problems = _check(arguments, spec.input_schema, "arguments")
    return [p.replace("arguments.", "", 1) if p.startswith("arguments.") else p for p in problems]


# -- loading --------------------------------------------------------------------------------------------------


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles from the file's current source every time; never reads or writes cached bytecode."""

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        return compile(self.get_data(path), path, "exec", dont_inherit=True)


class _EmptyPackageLoader(importlib.abc.Loader):
    """For a tools folder without ``__init__.py``."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _ToolsFinder(importlib.abc.MetaPathFinder):
    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PACKAGE and not fullname.startswith(PACKAGE + "."):
            return None
        rel = fullname.split(".")[1:]
        base = self.root.joinpath(*rel)
        if base.is_dir():
            init = base / "__init__.py"
            origin = init if init.exists() else None
            spec = importlib.machinery.ModuleSpec(
                fullname,
                _SourceOnlyLoader(fullname, str(init)) if origin else _EmptyPackageLoader(),
                origin=str(origin) if origin else None,
                is_package=True,
            )
            spec.submodule_search_locations = [str(base)]
            if origin:
                spec.has_location = True
            return spec
        file = base.with_suffix(".py")
        if file.exists():
            return importlib.util.spec_from_file_location(
                fullname, file, loader=_SourceOnlyLoader(fullname, str(file))
            )
        return None


def install_tools_finder(tools_dir: Path) -> None:
    if not any(isinstance(f, _ToolsFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _ToolsFinder(tools_dir))


def module_name(tools_dir: Path, file: Path) -> str:
    rel = file.relative_to(tools_dir).with_suffix("")
    return ".".join([PACKAGE, *rel.parts])


@dataclass
class LoadFailure:
    file: str
    error: str


def missing_package_hint(exc: BaseException, project_root: Path | None = None) -> str:
    """For a ``ModuleNotFoundError`` of a library (not a tool module): where to declare it; else ``""``."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return ""
    if exc.name == PACKAGE or exc.name.startswith(PACKAGE + "."):
        return ""
    top = exc.name.split(".")[0]
    where = str(project_root / "requirements.txt") if project_root is not None else "requirements.txt"
    return (
        f"hint: {top!r} is not installed where the tools run. Add the package that provides it to "
        f"requirements.txt ({where}); saving requirements.txt installs it into the project's venv."
    )


def import_tool_files(
    tools_dir: Path, files: list[Path]
) -> tuple[list[tuple[Path, types.ModuleType]], list[LoadFailure]]:
    """Import every tool file (from source): ``(file, module)`` for those that imported, and the failures."""
    import importlib
    import traceback

    install_tools_finder(tools_dir)
    guard = ImportGuard(tools_dir, PACKAGE)
    modules: list[tuple[Path, types.ModuleType]] = []
    failures: list[LoadFailure] = []
    for file in files:
        name = module_name(tools_dir, file)
        try:
            with guard.watching() as crossed:
                module = importlib.import_module(name)
            if crossed:
                failures.append(LoadFailure(str(file), ImportGuard.message(name, crossed)))
                continue
        except BaseException as exc:
            # keep only the frames of the project's own tool files, not importlib's or ours
            te = traceback.TracebackException.from_exception(exc)
            root = str(tools_dir.resolve())
            te.stack = traceback.StackSummary.from_list(
                [f for f in te.stack if str(Path(f.filename).resolve()).startswith(root)]
            )
            text = "".join(te.format()).strip()
            hint = missing_package_hint(exc, tools_dir.resolve().parent.parent)
            failures.append(LoadFailure(str(file), text + ("\n" + hint if hint else "")))
            continue
        modules.append((file, module))
    return modules, failures


def public_functions(module: types.ModuleType) -> list[tuple[str, Callable[..., Any]]]:
    """The tools a module defines: its public functions (not imported ones), in definition order."""
    return [
        (attr, value)
        for attr, value in vars(module).items()
        if not attr.startswith("_") and inspect.isfunction(value) and value.__module__ == module.__name__
    ]


def load_tools(tools_dir: Path, files: list[Path]) -> tuple[dict[str, Tool], list[LoadFailure]]:
    """Import every tool file (from source) and collect its public functions as tools."""
    tools: dict[str, Tool] = {}
    modules, failures = import_tool_files(tools_dir, files)
    for file, module in modules:
        for attr, value in public_functions(module):
            try:
                tool = spec_for(value)
            except ToolError as exc:
                failures.append(LoadFailure(str(file), str(exc)))
                continue
            if tool.spec.name in tools:
                failures.append(
                    LoadFailure(
                        str(file), f"tool {attr!r} is also defined in {tools[tool.spec.name].spec.file}"
                    )
                )
                continue
            tools[tool.spec.name] = tool
    return tools, failures


def format_result(value: Any) -> str:
    """A tool's return value as the text the model reads: JSON for anything but a string (a pydantic model,
    a dataclass, a datetime or an enum member as pydantic dumps it, not its ``str()``)."""
    if isinstance(value, str):
        return value
    try:
        from pydantic_core import to_jsonable_python

        return json.dumps(to_jsonable_python(value, fallback=str), ensure_ascii=False)
    except Exception:
        pass
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
