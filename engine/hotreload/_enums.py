"""Reloading an ``Enum``: the live class and its members stay the same objects.

Members are singletons the program compares by identity (``held is Color.RED``, ``Color(1) is held``), so an
edited enum is never replaced by the class the new source builds. That class is used only as the new state:
members it shares (by name) with the live enum are kept, with their new value and attributes; members it adds
move into the live enum; members it drops leave the enum's maps (a held one stays a usable object); the
methods are patched in place. Every change is journaled.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._patcher import Patcher

MISSING: Any = object()

# What EnumType computes from the members and keeps on the class: the member tables are rebuilt with the kept
# members; the rest (names, unhashable values, flag masks) hold no member and are taken as the new class has them.
_MEMBER_TABLES = ("_member_map_", "_value2member_map_")
_DERIVED = ("_member_names_", "_unhashable_values_", "_unhashable_values_map_")
_FLAG_MASKS = ("_flag_mask_", "_singles_mask_", "_all_bits_")
_MEMBER_STATE_KEEP = frozenset({"__objclass__", "_name_"})


def is_enum(cls: object) -> bool:
    return isinstance(cls, enum.EnumType)


def patch_enum(
    p: Patcher, old: type[enum.Enum], new: type[enum.Enum], qual: str
) -> tuple[dict[int, Any], dict[str, Any]] | None:
    """Bring the members of the live enum ``old`` to the state of ``new`` (built from the new source) in place.

    Returns the members to use for the new class's members (by id of the new member), and the rest of the
    new class's namespace (its methods) for the caller to patch into ``old``; or None when ``old`` cannot take
    the new state (its kind of enum changed: metaclass, bases, member type) and must be rebuilt instead."""
    if not _compatible(old, new):
        return None
    old_members = dict(old._member_map_)
    before = len(p.journal)
    kept = _pair_members(p, old, new, qual)
    _set_tables(p, old, new, kept)
    _set_class_members(p, old, new, kept, old_members, qual)
    if len(p.journal) != before:
        p.patched_classes.add(id(old))
    machinery = {*_MEMBER_TABLES, *_DERIVED, *_FLAG_MASKS, *new._member_map_, *old_members}
    return kept, {k: v for k, v in vars(new).items() if k not in machinery}


def _compatible(old: type[enum.Enum], new: type[enum.Enum]) -> bool:
    return (
        type(old) is type(new)
        and getattr(old, "_member_type_", None) is getattr(new, "_member_type_", None)
        and tuple(b.__qualname__ for b in old.__bases__) == tuple(b.__qualname__ for b in new.__bases__)
        and tuple(b.__module__ for b in old.__bases__) == tuple(b.__module__ for b in new.__bases__)
    )


def _pair_members(p: Patcher, old: type[enum.Enum], new: type[enum.Enum], qual: str) -> dict[int, Any]:
    """id(member of ``new``) -> the member ``old`` has for it from now on: the live member of that name,
    brought up to date, or (a new member, or one whose value cannot change in place) the new member itself."""
    kept: dict[int, Any] = {}
    plain = getattr(old, "_member_type_", object) is object  # a member of an int enum *is* its int value
    for name, member in new._member_map_.items():
        if id(member) in kept:
            continue  # an alias of a member already paired
        live = old._member_map_.get(name)
        if live is None or live._name_ != name or type(live) is not old:
            kept[id(member)] = _adopt(p, old, member)
            continue
        before, after = live._value_, member._value_
        if not _equal(before, after):
            if not plain:
                p.warn(
                    f"{qual}.{name}: its value changed {before!r} -> {after!r}; a member of {qual} is its "
                    f"{getattr(old, '_member_type_', object).__name__} value, which cannot change in place, so {qual}.{name} is a "
                    "new member: references held before the reload keep the old member and its old value"
                )
                kept[id(member)] = _adopt(p, old, member)
                continue
            p.warn(
                f"{qual}.{name}: its value changed {before!r} -> {after!r}; the member is the same object, "
                f"so references held before the reload see the new value, and {qual}({before!r}) no longer "
                "finds it"
            )
        state = vars(live)
        for key, value in vars(member).items():
            if key not in _MEMBER_STATE_KEEP and state.get(key, MISSING) is not value:
                p.journal.set_item(state, key, value)
        kept[id(member)] = live
    return kept


def _adopt(p: Patcher, old: type, member: Any) -> Any:
    """A member of the new class becomes a member of the live one."""
    p.journal.set_class(member, old)
    state = getattr(member, "__dict__", None)
    if state is not None and "__objclass__" in state:
        p.journal.set_item(state, "__objclass__", old)
    return member


def _equal(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def _same_table(a: Any, b: dict[Any, Any]) -> bool:
    """The same keys in the same order, each to the very same member."""
    return isinstance(a, dict) and list(a) == list(b) and all(a[k] is v for k, v in b.items())


def _set_tables(p: Patcher, old: type[enum.Enum], new: type[enum.Enum], kept: dict[int, Any]) -> None:
    """The class's member tables and what EnumType derived from the members, as the new class has them."""
    member_map = {name: kept[id(m)] for name, m in new._member_map_.items()}
    value_map = {value: kept[id(m)] for value, m in new._value2member_map_.items()}
    if issubclass(old, enum.Flag):  # combinations made before the reload stay the combinations of their bits
        mask = getattr(new, "_flag_mask_", 0)
        canonical = {id(m) for m in old._member_map_.values()}
        for value, m in old._value2member_map_.items():
            if (
                value not in value_map
                and id(m) not in canonical
                and isinstance(value, int)
                and not value & ~mask
            ):
                value_map[value] = m
    tables: dict[str, Any] = {"_member_map_": member_map, "_value2member_map_": value_map}
    for name in _DERIVED + (_FLAG_MASKS if issubclass(old, enum.Flag) else ()):
        if name in vars(new):
            value = vars(new)[name]
            tables[name] = value.copy() if isinstance(value, (list, dict)) else value
    for name, value in tables.items():
        current = vars(old).get(name, MISSING)
        if not (_same_table(current, value) if name in _MEMBER_TABLES else _equal(current, value)):
            _set_attr(p, old, name, value)


def _set_class_members(
    p: Patcher,
    old: type[enum.Enum],
    new: type[enum.Enum],
    kept: dict[int, Any],
    old_members: dict[str, Any],
    qual: str,
) -> None:
    """The members as class attributes (``Color.RED``): set to the kept members; the dropped ones deleted."""
    for name in new._member_map_:
        value = vars(new).get(name, MISSING)
        if value is MISSING:
            continue  # a member whose name a base class's attribute shadows: reached through the maps
        if id(value) in kept:
            value = kept[id(value)]
        elif name in vars(old):
            continue  # enum.property of the live class: it finds the member through the maps
        if vars(old).get(name, MISSING) is not value:
            _set_attr(p, old, name, value)
    for name in old_members:
        if name not in new._member_map_:
            if name in vars(old):
                _set_attr(p, old, name, MISSING)
            p.note(p.result.removed, f"{qual}.{name}")


def _set_attr(p: Patcher, cls: type, name: str, value: Any) -> None:
    """Set (MISSING: delete) a class attribute past EnumType's guard against reassigning members; journaled."""
    before = vars(cls).get(name, MISSING)

    def put(v: Any) -> None:
        if v is MISSING:
            if name in vars(cls):
                type.__delattr__(cls, name)
        else:
            type.__setattr__(cls, name, v)

    put(value)
    p.journal.on_undo(lambda: put(before))
