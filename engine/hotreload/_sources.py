"""What source each module was last loaded from, and what source an old (replaced) code object runs.

A diff reload needs the text the module was executed from, and by the time the user saves, the file on disk
already holds the new text. ``track_sources()`` keeps it: an audit hook on the ``exec`` event (raised by
every module execution, ``runpy`` included) reads the file of each user module as it is executed. The cost is
one file read per imported user module; standard library and site-packages files are skipped. After each
reload the applied text becomes the module's recorded source.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import stat
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from types import CodeType, FrameType
from typing import Any

from ..sources import canonical, is_user_file

_lock = threading.Lock()
_sources: dict[str, str] = {}  # real path -> the text the module was last executed from
_tracking = False
_hook_installed = False
_in_hook = threading.local()
_reloading: set[str] = set()  # real paths being reloaded: their exec events are the reload's, not imports


# One notion of "real path" and "the program's own file" for the whole engine (engine/sources.py).
realpath = canonical


def _is_user_file(real: str) -> bool:
    return real.endswith((".py", ".pyw")) and is_user_file(real)


def read_text(path: str) -> str:
    """The file's text, decoded as Python decodes source (PEP 263 cookie, BOM, universal newlines)."""
    import importlib.util

    with open(path, "rb") as f:
        data = f.read()
    return importlib.util.decode_source(data)


def _remember_file(filename: str) -> None:
    real = realpath(filename)
    if real in _reloading or not _is_user_file(real):
        return
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            return  # a FIFO or a device: opening it may block the program for good
        text = read_text(real)
    except (OSError, UnicodeDecodeError, SyntaxError):
        return
    with _lock:
        _sources[real] = text


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "exec" or not _tracking or getattr(_in_hook, "busy", False):
        return
    try:
        code = args[0]
        if (
            type(code) is CodeType
            and code.co_name == "<module>"
            and code.co_filename.endswith((".py", ".pyw"))
        ):
            _in_hook.busy = True
            try:
                _remember_file(code.co_filename)
            finally:
                _in_hook.busy = False
    except Exception:  # an audit hook must never break the program
        pass


def track_sources(enable: bool = True) -> None:
    """Start (or stop) recording the source of every user module when it is executed.

    The debug session calls this before the debuggee runs. Modules already loaded are recorded now, from disk.
    Audit hooks cannot be removed; ``enable=False`` makes the hook a no-op.
    """
    global _tracking, _hook_installed
    _tracking = enable
    if not enable:
        return
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    for module in list(sys.modules.values()):
        file = getattr(module, "__dict__", {}).get("__file__")
        if isinstance(file, str) and realpath(file) not in _sources:
            _remember_file(file)


@contextlib.contextmanager
def reloading(real: str) -> Iterator[None]:
    """While a reload runs the parts of ``real`` it compiled, the file on disk is not what the module runs
    until the reload commits (and never, if it rolls back): the audit hook must not record it."""
    with _lock:
        _reloading.add(real)
    try:
        yield
    finally:
        with _lock:
            _reloading.discard(real)


def remember_source(path: str, text: str) -> None:
    with _lock:
        _sources[realpath(path)] = text


def previous_source(real: str, filenames: set[str]) -> tuple[str | None, str]:
    """The text the module was last executed from, and where that knowledge came from."""
    with _lock:
        text = _sources.get(real)
    if text is not None:
        return text, "recorded"
    for name in (real, *filenames):
        entry = linecache.cache.get(name)
        if entry and len(entry) == 4 and entry[2]:
            return "".join(entry[2]), "linecache"
    return None, "none"


def forget_source(real: str) -> None:
    with _lock:
        _sources.pop(real, None)


# --- old code objects: what they were compiled from --------------------------------------------------------

_old_code: dict[int, tuple[weakref.ref[CodeType], str]] = {}


def _walk_codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if type(const) is CodeType:
            yield from _walk_codes(const)


def _forget(key: int) -> Callable[[weakref.ref[CodeType]], None]:
    """The weakref callback that drops ``key``'s entry once its code object is gone."""

    def forget(_ref: weakref.ref[CodeType]) -> None:
        _old_code.pop(key, None)

    return forget


def mark_old(code: CodeType, source: str | None) -> list[CodeType]:
    """Record that ``code`` (and the code nested in it) was replaced by a reload; ``source`` is its text.

    Returns the code objects marked now (not those marked by an earlier reload), for ``unmark_old``."""
    marked = []
    with _lock:
        for c in _walk_codes(code):
            key = id(c)
            if key in _old_code and _old_code[key][0]() is c:
                continue
            try:
                ref = weakref.ref(c, _forget(key))
            except TypeError:
                continue
            _old_code[key] = (ref, source if source is not None else "")
            marked.append(c)
    return marked


def unmark_old(codes: list[CodeType]) -> None:
    """Undo ``mark_old`` (a reload that was rolled back replaced nothing)."""
    with _lock:
        for c in codes:
            entry = _old_code.get(id(c))
            if entry is not None and entry[0]() is c:
                del _old_code[id(c)]


def running_old_code(frame: FrameType) -> bool:
    """True when ``frame`` executes a code object that a reload has since replaced."""
    entry = _old_code.get(id(frame.f_code))
    return entry is not None and entry[0]() is frame.f_code


def source_of(code: CodeType) -> str | None:
    """The source text an old (replaced) code object was compiled from, or None if it was never replaced."""
    entry = _old_code.get(id(code))
    if entry is None or entry[0]() is not code:
        return None
    return entry[1] or None
