"""Tool typing: a tool parameter's type hint as JSON schema, and whether its value needs pydantic's conversion.

The hints supported are listed in tools.py's docstring. ``ToolError`` is raised for an unsupported hint; it is
also the error of an invalid tool definition or invalid arguments (tools.py re-exports it).
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints


class ToolError(Exception):
    """Raised for an invalid tool definition or invalid arguments."""


_SIMPLE: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


_PYDANTIC_CLASSES = (
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "uuid.UUID",
    "decimal.Decimal",
    "pathlib.Path",
    "pathlib.PurePath",
)


def _pydantic_class(hint: Any) -> bool:
    """A class pydantic validates from JSON: a model, a dataclass, a datetime, ..."""
    if not isinstance(hint, type):
        return False
    import dataclasses

    if dataclasses.is_dataclass(hint):
        return True
    if any(f"{c.__module__}.{c.__qualname__}" in _PYDANTIC_CLASSES for c in hint.__mro__):
        return True
    return any(c.__module__.startswith("pydantic") and c.__name__ == "BaseModel" for c in hint.__mro__)


def _constraint(extra: Any) -> bool:
    """``Field(...)`` or an ``annotated_types`` bound (``Ge``, ``Le``, ``MaxLen``, ...) in ``Annotated``."""
    module = type(extra).__module__
    return module.startswith(("pydantic", "annotated_types"))


def needs_conversion(hint: Any) -> bool:
    """Whether the JSON value must be converted for the function (enum member, model, datetime, limits)."""
    if isinstance(hint, type) and (issubclass(hint, enum.Enum) or _pydantic_class(hint)):
        return True
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        return any(_constraint(e) for e in extras) or needs_conversion(base)
    return any(needs_conversion(a) for a in get_args(hint) if a is not Ellipsis)


def is_context_hint(hint: Any) -> bool:
    """The MCP SDK's ``Context`` (or ``Context | None``), checked by name: no ``mcp`` import here."""
    for candidate in (hint, *get_args(hint)):
        if isinstance(candidate, type) and any(
            c.__name__ == "Context" and c.__module__.startswith("mcp.") for c in candidate.__mro__
        ):
            return True
    return False


def _pydantic_schema(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's JSON schema for ``hint``; its ``$defs`` go to ``defs`` (the input schema's own)."""
    from pydantic import TypeAdapter

    try:
        schema = TypeAdapter(hint).json_schema()
    except Exception as exc:
        raise ToolError(f"unsupported type hint {hint!r}: {exc}") from exc
    defs.update(schema.pop("$defs", {}))
    schema.pop("title", None)
    return schema


def schema_for(hint: Any, defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON schema for one type hint (``defs``: where pydantic's ``$defs`` go)."""
    defs = {} if defs is None else defs
    if hint is inspect.Parameter.empty or hint is Any or hint is object:
        return {}
    origin = get_origin(hint)
    if origin is Annotated:
        return _annotated_schema(hint, defs)
    if hint in _SIMPLE:
        return {"type": _SIMPLE[hint]}
    if origin is Literal:
        return _literal_schema(get_args(hint))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return schema_for(Literal[tuple(m.value for m in hint)])
    if origin in (Union, types.UnionType):
        return _union_schema(get_args(hint), defs)
    if origin in (list, set, frozenset, typing.Sequence, tuple) or hint in (list, set, tuple):
        return _array_schema(origin, get_args(hint), defs)
    if origin in (dict, typing.Mapping) or hint is dict:
        args = get_args(hint)
        schema: dict[str, Any] = {"type": "object"}
        if len(args) == 2:
            schema["additionalProperties"] = schema_for(args[1], defs)
        return schema
    if typing.is_typeddict(hint):
        hints = get_type_hints(hint, include_extras=True)
        return {
            "type": "object",
            "properties": {k: schema_for(v, defs) for k, v in hints.items()},
            "required": sorted(hint.__required_keys__),
        }
    if _pydantic_class(hint):
        return _pydantic_schema(hint, defs)
    raise ToolError(f"unsupported type hint {hint!r}")


def _annotated_schema(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """``Annotated[T, ...]``: T's schema; a string is its description, a dict is merged, limits from pydantic."""
    base, *extras = get_args(hint)
    schema = schema_for(base, defs)
    for extra in extras:
        if isinstance(extra, str):
            schema["description"] = extra
        elif isinstance(extra, dict):
            schema.update(extra)
        elif hasattr(extra, "description") and isinstance(extra.description, str):
            schema["description"] = extra.description
    bounds = [e for e in extras if _constraint(e)]
    if bounds:  # Field(ge=, le=, ...), annotated_types: pydantic's schema has the limits
        limits = _pydantic_schema(Annotated[(base, *bounds)], defs)
        schema.update({k: v for k, v in limits.items() if k not in schema})
    return schema


def _literal_schema(values_: tuple[Any, ...]) -> dict[str, Any]:
    values = list(values_)
    types_ = sorted({_SIMPLE[type(v)] for v in values if type(v) in _SIMPLE})
    schema: dict[str, Any] = {"enum": values}
    if len(types_) == 1:
        schema["type"] = types_[0]
    return schema


def _union_schema(members: tuple[Any, ...], defs: dict[str, Any]) -> dict[str, Any]:
    """``T | None`` as a nullable T where JSON schema allows it; other unions as ``anyOf``."""
    non_null = [m for m in members if m is not type(None)]
    if len(non_null) == 1 and len(members) == 2:
        inner = schema_for(non_null[0], defs)
        if "type" in inner and isinstance(inner["type"], str) and "enum" not in inner:
            return {**inner, "type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    return {"anyOf": [schema_for(m, defs) for m in members]}


def _array_schema(origin: Any, args: tuple[Any, ...], defs: dict[str, Any]) -> dict[str, Any]:
    """Lists, sets and sequences; a fixed-length tuple as ``prefixItems``."""
    schema: dict[str, Any] = {"type": "array"}
    if origin is tuple and args and args[-1] is not Ellipsis:
        schema["prefixItems"] = [schema_for(a, defs) for a in args]
        schema["minItems"] = schema["maxItems"] = len(args)
    elif args:
        schema["items"] = schema_for(args[0], defs)
    return schema
