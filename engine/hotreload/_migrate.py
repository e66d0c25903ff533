"""After a class was rebuilt from the new source: its instances, subclasses and aliases move to the new class."""

from __future__ import annotations

import dataclasses
import enum
import gc
import sys
from collections import defaultdict
from typing import Any

from ._patcher import Patcher
from ._resolve import Target
from ._types import ReloadOptions


def migrate(patcher: Patcher, opts: ReloadOptions, targets: tuple[Target, ...]) -> None:
    """Move what refers to a rebuilt class to its new class; every change is journaled."""
    if not patcher.rebuilds:
        return
    new_of = {id(old): new for old, new in patcher.rebuilds}
    _move_instances(patcher, opts, new_of)
    _move_subclasses(patcher, new_of)
    _move_aliases(patcher, new_of, targets)


def _move_instances(patcher: Patcher, opts: ReloadOptions, new_of: dict[int, type]) -> None:
    olds = [old for old, _ in patcher.rebuilds]
    kept: dict[str, int] = defaultdict(int)
    failed: dict[str, str] = {}
    for obj in gc.get_referrers(*olds):
        cls = type(obj)
        if isinstance(obj, type) or id(cls) not in new_of or cls is not obj.__class__:
            continue
        new = new_of[id(cls)]
        if isinstance(obj, enum.Enum):  # members are singletons: the new enum has its own
            patcher.warn(
                f"members of the old enum {cls.__qualname__} held elsewhere stay old members; "
                f"{cls.__qualname__} now names the new enum"
            )
            continue
        if not opts.patchClassInstances:
            kept[cls.__qualname__] += 1
            continue
        try:
            patcher.journal.set_class(obj, new)
        except TypeError as exc:
            failed[cls.__qualname__] = str(exc)
            continue
        patcher.result.patchedInstances += 1
        _fill_new_fields(patcher, obj, new)
    for name, n in kept.items():
        patcher.warn(f"{n} existing instance(s) of {name} keep the old class (patchClassInstances is off)")
    for name, err in failed.items():
        patcher.warn(f"instances of {name} could not move to the rebuilt class: {err}")


def _move_subclasses(patcher: Patcher, new_of: dict[int, type]) -> None:
    olds = [old for old, _ in patcher.rebuilds]
    new_ids = {id(new) for _, new in patcher.rebuilds}
    for old in olds:
        subs: list[type] = old.__subclasses__()
        for sub in subs:
            if id(sub) in new_ids or sub in olds:
                continue
            try:
                patcher.journal.set_bases(sub, tuple(new_of.get(id(b), b) for b in sub.__bases__))
            except TypeError as exc:
                patcher.warn(
                    f"subclass {sub.__qualname__} still derives from the old {old.__qualname__}: {exc}"
                )


def _move_aliases(patcher: Patcher, new_of: dict[int, type], targets: tuple[Target, ...]) -> None:
    """Names bound to a rebuilt class in other modules (``from mod import A``)."""
    olds = [old for old, _ in patcher.rebuilds]
    for module in list(sys.modules.values()):
        try:
            d = vars(module)
        except TypeError:
            continue
        if any(d is t.ns for t in targets):
            continue
        for key, value in list(d.items()):
            new = new_of.get(id(value))
            if new is not None and any(value is o for o in olds):
                patcher.journal.set_item(d, key, new)


def _fill_new_fields(patcher: Patcher, obj: Any, new: type) -> None:
    """An instance moved to a rebuilt dataclass gets the defaults of the fields the class gained."""
    fields = getattr(new, "__dataclass_fields__", None)
    if not fields or not hasattr(obj, "__dict__"):
        return
    state = vars(obj)
    for f in fields.values():
        if f.name in state or getattr(f, "_field_type", None) is not dataclasses._FIELD:  # type: ignore[attr-defined]
            continue
        if f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            patcher.warn(
                f"existing {new.__qualname__} instances have no value for the new field {f.name!r} "
                "(it has no default)"
            )
            continue
        patcher.journal.set_item(state, f.name, value)
