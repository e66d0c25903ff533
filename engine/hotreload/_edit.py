"""The edit one reload applies, read before anything changes: the file, its old and new source, the line map."""

from __future__ import annotations

import ast
import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import CodeType, FrameType

from ..framecode.room import with_room
from . import _sources
from ._diff import Item, future_flags, items_of, remap_lines
from ._report import warn
from ._resolve import Rejected, Target, not_loaded, resolve, syntax_message, syntax_rejected
from ._types import ReloadOptions, ReloadResult

_ITEMS: dict[str, tuple[str, list[Item]]] = {}  # real path -> (last applied text, its items): no re-parse


@dataclasses.dataclass(frozen=True)
class Edit:
    """Everything a reload knows before it starts changing the program; it never changes during the reload."""

    real: str  # the file's real path
    filename: str  # the name its code is compiled with (the module's ``__file__``)
    targets: tuple[Target, ...]  # the module namespaces loaded from it, ``__main__`` first
    new_text: str
    new_tree: ast.Module
    flags: int  # the new source's ``__future__`` compiler flags
    new_items: list[Item]
    old_text: str | None  # the source the module runs now, if it is known
    old_items: list[Item] | None
    old_flags: int | None
    line_map: dict[int, int | None] | None  # old line -> new line (None: deleted)
    full_code: CodeType | None  # module mode: the whole new module, for the targets that are not __main__


def remember_items(edit: Edit) -> None:
    """The edit was committed: its new source is the next reload's old one, already parsed."""
    _ITEMS[edit.real] = (edit.new_text, edit.new_items)


def load(
    path: str | Path,
    opts: ReloadOptions,
    frames: Sequence[FrameType],
    result: ReloadResult,
    allow: Callable[[str], bool] | None = None,
) -> Edit:
    """Resolve ``path``, read and parse its new source, find its old one; Rejected when it cannot be reloaded.
    Fills in the result's module fields, and the warnings that depend only on the sources."""
    real, targets = resolve(path, frames)
    if allow is not None and not allow(real):
        # loaded in this process, but not one of the program's own sources (the standard library, a
        # site-packages module, the debugger itself): never patch those
        raise not_loaded(os.path.basename(real))
    result.reloadedPath = real
    result.reloadedModule = targets[0].name
    result.modules = [t.name for t in targets]
    first_file = targets[0].ns.get("__file__")
    filename = first_file if isinstance(first_file, str) and os.path.isabs(first_file) else real
    new_text, new_tree = _read_new(real, filename, opts.text)
    flags = future_flags(new_tree)
    new_items = items_of(new_tree.body, new_text.split("\n"))
    filenames = {t.ns.get("__file__") for t in targets} - {None}
    old_text, old_items = _read_old(real, filename, filenames)  # type: ignore[arg-type]
    old_flags = None
    if old_items is not None:
        old_flags = future_flags(ast.Module(body=[i.node for i in old_items], type_ignores=[]))
    line_map = None
    if old_text is not None:
        n = old_text.count("\n") + (0 if old_text.endswith("\n") else 1)
        line_map = remap_lines(old_text, new_text, range(1, n + 1))
    module_mode = opts.mode == "module"
    _warn_sources(result, module_mode, targets[0].is_main, old_items is not None)
    full_code = None
    if module_mode and not all(t.is_main for t in targets):
        try:  # the whole module, for the targets that are not __main__ (which is never re-run)
            full_code = with_room(compile(new_tree, filename, "exec", flags=flags, dont_inherit=True))
        except SyntaxError as exc:
            raise syntax_rejected(exc, real) from exc
    return Edit(
        real=real,
        filename=filename,
        targets=tuple(targets),
        new_text=new_text,
        new_tree=new_tree,
        flags=flags,
        new_items=new_items,
        old_text=old_text,
        old_items=old_items,
        old_flags=old_flags,
        line_map=line_map,
        full_code=full_code,
    )


def _read_new(real: str, filename: str, given: str | None) -> tuple[str, ast.Module]:
    try:
        text = _sources.read_text(real) if given is None else given
    except (OSError, UnicodeDecodeError) as exc:
        raise Rejected(
            f"{os.path.basename(real)} cannot be read: {exc}",
            "Check that the file exists and is readable, then reload again.",
        ) from exc
    except SyntaxError as exc:  # a bad encoding cookie
        raise Rejected(syntax_message(exc, real), "Fix the encoding declaration and save again.") from exc
    try:
        return text, ast.parse(text, filename)
    except SyntaxError as exc:
        raise syntax_rejected(exc, real) from exc


def _read_old(real: str, filename: str, filenames: set[str]) -> tuple[str | None, list[Item] | None]:
    """The source the module was last executed from, and its items (None, None when it is unknown)."""
    old_text, _origin = _sources.previous_source(real, filenames)
    if old_text is None:
        return None, None
    try:
        cached = _ITEMS.get(real)
        if cached is not None and cached[0] == old_text:
            return old_text, cached[1]
        return old_text, items_of(ast.parse(old_text, filename).body, old_text.split("\n"))
    except SyntaxError:
        return None, None


def _warn_sources(result: ReloadResult, module_mode: bool, main: bool, old_known: bool) -> None:
    if module_mode and main:
        # Re-running the script being debugged would run its program again (its top level, its loops, its
        # side effects): __main__ is always reloaded by definition, as in diff mode.
        warn(
            result,
            "module mode does not re-run __main__ (the script being debugged): its definitions and edited "
            "assignments were updated as in diff mode; its other top-level statements and its "
            '`if __name__ == "__main__":` block were not re-run',
        )
    if not old_known and (not module_mode or main):
        warn(
            result,
            "the previous source of this module was not recorded (call track_sources() before the "
            "program runs): definitions were compared by their code, and top-level statements were "
            "only run for names the module does not have yet (edited constants keep their values)",
        )
