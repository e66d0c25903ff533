"""Variables: lazily expanded, paged, with reprs that never walk a huge container.

Every expandable value gets a reference number that is valid until the program resumes. Children are listed
page by page (`start`, `count`), so a list of a million elements costs one page, not a million reprs.
"""

from __future__ import annotations

import dataclasses
import itertools
import reprlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType, ModuleType
from typing import Any

PAGE = 100

_repr = reprlib.Repr()
_repr.maxstring = 120
_repr.maxother = 120
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxfrozenset = _repr.maxdeque = 10
_repr.maxdict = 8
_repr.maxlevel = 2
_repr.maxlong = 60


def safe_repr(value: Any) -> str:
    try:
        text = _repr.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the debugger
        return f"<{type(value).__name__} object; repr failed: {type(exc).__name__}: {exc}>"
    if len(text) > 400:
        text = text[:399] + "…"
    return text


@dataclass
class Variable:
    name: str
    value: str
    type: str
    reference: int = 0  # 0: nothing to expand
    indexed: int = 0  # number of indexed children (list-like), for paging
    named: int = 0
    evaluate_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "type": self.type,
            "variablesReference": self.reference,
        }
        if self.indexed:
            d["indexedVariables"] = self.indexed
        if self.named:
            d["namedVariables"] = self.named
        if self.evaluate_name:
            d["evaluateName"] = self.evaluate_name
        return d


@dataclass
class Scope:
    name: str
    reference: int
    expensive: bool = False
    named: int = 0


@dataclass
class _Container:
    kind: str  # "locals", "globals", "object"
    obj: Any
    frame: FrameType | None = None
    evaluate_name: str | None = None


_SCALARS = (int, float, complex, bool, str, bytes, type(None), range)


def _has_children(value: Any) -> bool:
    if isinstance(value, _SCALARS) or (callable(value) and not isinstance(value, type)):
        return False
    if isinstance(value, (list, tuple, dict, set, frozenset, Mapping)):
        return len(value) > 0
    return bool(
        dataclasses.is_dataclass(value) or hasattr(value, "__dict__") or hasattr(type(value), "__slots__")
    )


def _indexed_count(value: Any) -> int:
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value)
    return 0


class VariableStore:
    """Reference numbers for one stop. `clear()` on resume."""

    def __init__(self) -> None:
        self._refs: dict[int, _Container] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._refs.clear()

    def _add(self, c: _Container) -> int:
        with self._lock:
            ref = next(self._ids)
            self._refs[ref] = c
            return ref

    def container(self, ref: int) -> _Container:
        try:
            return self._refs[ref]
        except KeyError:
            raise KeyError(f"variable reference {ref} is no longer valid (the program moved on)") from None

    def scopes(self, frame: FrameType) -> list[Scope]:
        locals_ref = self._add(_Container("locals", None, frame))
        named = sum(not _hidden_local(k) for k in frame.f_locals)
        scopes = [Scope("Locals", locals_ref, named=named)]
        if frame.f_globals is not frame.f_locals:
            scopes.append(Scope("Globals", self._add(_Container("globals", None, frame)), expensive=True))
        return scopes

    def describe(self, name: str, value: Any, evaluate_name: str | None = None) -> Variable:
        ref = 0
        if _has_children(value):
            ref = self._add(_Container("object", value, None, evaluate_name))
        return Variable(
            name=name,
            value=safe_repr(value),
            type=type(value).__qualname__,
            reference=ref,
            indexed=_indexed_count(value),
            named=len(value) if isinstance(value, Mapping) else 0,
            evaluate_name=evaluate_name,
        )

    def children(self, ref: int, start: int = 0, count: int | None = None) -> list[Variable]:
        c = self.container(ref)
        count = PAGE if count is None or count <= 0 else count
        if c.kind in ("locals", "globals"):
            assert c.frame is not None
            ns = c.frame.f_locals if c.kind == "locals" else c.frame.f_globals
            module_level = c.kind == "globals" or ns is c.frame.f_globals  # a module's locals are its globals
            items = [
                (k, v)
                for k, v in list(ns.items())
                if not (module_level and (k.startswith("__") or isinstance(v, ModuleType)))
                and not _hidden_local(k)
            ]
            if module_level:
                items.sort(key=lambda kv: kv[0])
            return [self.describe(k, v, k) for k, v in items[start : start + count]]
        return self._object_children(c.obj, c.evaluate_name, start, count)

    def _object_children(self, obj: Any, expr: str | None, start: int, count: int) -> list[Variable]:
        def child(suffix: str) -> str | None:
            return f"{expr}{suffix}" if expr else None

        out: list[Variable] = []
        if isinstance(obj, (list, tuple)):
            for i in range(start, min(len(obj), start + count)):
                out.append(self.describe(f"[{i}]", obj[i], child(f"[{i}]")))
            return out
        if isinstance(obj, (set, frozenset)):
            for i, v in enumerate(itertools.islice(obj, start, start + count), start):
                out.append(self.describe(f"<{i}>", v))
            return out
        if isinstance(obj, Mapping):
            for k, v in itertools.islice(obj.items(), start, start + count):
                out.append(self.describe(safe_repr(k), v, child(f"[{k!r}]") if _literal_key(k) else None))
            return out
        names: list[str] = []
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            names = [f.name for f in dataclasses.fields(obj)]
        for cls in type(obj).__mro__:
            slots = cls.__dict__.get("__slots__", ())
            names.extend([slots] if isinstance(slots, str) else list(slots))
        d = getattr(obj, "__dict__", None)
        if isinstance(d, Mapping):
            names.extend(k for k in d if isinstance(k, str))
        ordered = [n for n in dict.fromkeys(names) if n not in ("__dict__", "__weakref__")]
        for name in ordered[start : start + count]:
            try:
                value = getattr(obj, name)
            except Exception as exc:
                out.append(Variable(name, f"<{type(exc).__name__}: {exc}>", "error"))
                continue
            out.append(self.describe(name, value, child(f".{name}")))
        return out


def _literal_key(k: Any) -> bool:
    return isinstance(k, (str, int, float, bool, type(None), bytes))


# Locals nobody wrote, not valid names: the hidden local of a 3.11 frame moved into new code (".dapper..."), and
# pytest's assertion-rewrite temporaries ("@py_assert1", "@py_format3") in a failed test's frame.
_HIDDEN_PREFIXES = (".dapper", "@py_")


def _hidden_local(name: object) -> bool:
    return str(name).startswith(_HIDDEN_PREFIXES)
