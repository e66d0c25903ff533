"""What a reload tells: its warnings, and the names it added, changed or removed (each said once)."""

from __future__ import annotations

from types import FunctionType
from typing import Any

from ._types import ReloadResult


def warn(result: ReloadResult, message: str) -> None:
    if message not in result.warnings:
        result.warnings.append(message)


def note(bucket: list[str], name: str) -> None:
    if name not in bucket:
        bucket.append(name)


def definitions(namespaces: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], Any]]:
    """The functions and classes the namespaces hold by name (module.name -> (namespace, object)), before a
    reload: what another module may have imported by name."""
    found: dict[str, tuple[dict[str, Any], Any]] = {}
    for ns in namespaces:
        module = ns.get("__name__", "?")
        for name, obj in list(ns.items()):
            defined_here = getattr(obj, "__module__", None) == module
            if not name.startswith("__") and isinstance(obj, (FunctionType, type)) and defined_here:
                found[f"{module}.{name}"] = (ns, obj)
    return found


def warn_stale_imports(
    result: ReloadResult, before: dict[str, tuple[dict[str, Any], Any]], modules: dict[str, Any]
) -> None:
    """A reload removed a function or class that another loaded module imported by name (`from a import
    helper`): that module still calls the old one. Warn, naming each such `module.name`."""
    gone: dict[int, str] = {}
    skip: set[int] = set()
    for qualname, (ns, obj) in before.items():
        skip.add(id(ns))
        name = qualname.rsplit(".", 1)[1]
        if ns.get(name) is not obj and name not in ns:
            gone[id(obj)] = qualname
    if not gone:
        return
    for mod_name, mod in list(modules.items()):
        try:
            ns = vars(mod)
        except TypeError:
            continue
        if id(ns) in skip:
            continue
        for attr, value in list(ns.items()):
            gone_name = gone.get(id(value))
            if gone_name is not None:
                warn(
                    result,
                    f"{mod_name}.{attr} still refers to {gone_name}, which this reload removed: {mod_name} keeps "
                    "calling the old code until it is reloaded too (or the program restarts)",
                )
