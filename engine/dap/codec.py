"""The DAP server's own JSON encoding and decoding, out of the debugged program's reach.

The program runs in the server's process, so it can patch the `json` module (`json.dumps = ...`,
`json.loads = ...`, `json.JSONEncoder.encode = ...`, `json.decoder.scanstring = ...`). The protocol must not
care: the C pieces that do the work (`_json.make_encoder`, `_json.make_scanner`, `_json.encode_basestring`) are
taken once, when this module is imported (before any program runs), and only they are used afterwards. Nothing
here looks a name up in `json` at call time.

Both functions raise `CodecError` (a ValueError) for anything they cannot encode or decode, whatever the cause.
"""

from __future__ import annotations

import _json
import json.decoder
import re
from collections.abc import Callable
from typing import Any, cast

_make_encoder = _json.make_encoder
_encode_str = _json.encode_basestring  # ensure_ascii=False: the body is sent as UTF-8
_scan_once = _json.make_scanner(json.decoder.JSONDecoder())  # type: ignore[arg-type]  # typeshed: wants a make_scanner; it reads a decoder
# `[ \t\n\r]*` matches everywhere (perhaps empty), so the match is never None
_ws_end = cast("Callable[[str, int], re.Match[str]]", re.compile(r"[ \t\n\r]*").match)
_str = str
_isinstance = isinstance


class CodecError(ValueError):
    """A value that could not be encoded, or a text that is not one JSON value."""


def _default(obj: object) -> str:
    return _str(obj)


def dumps(obj: Any) -> str:
    """`json.dumps(obj, ensure_ascii=False, default=str)`, with the C encoder taken at import."""
    try:
        encoder = _make_encoder({}, _default, _encode_str, None, ": ", ", ", False, False, True)
        return "".join(encoder(obj, 0))
    except Exception as exc:
        raise CodecError(f"cannot encode the message: {type(exc).__name__}: {exc}") from None


def loads(text: str) -> Any:
    """`json.loads(text)` for a str, with the C scanner taken at import."""
    if not _isinstance(text, _str):
        raise CodecError("not a str")
    try:
        start = _ws_end(text, 0).end()
        value, end = _scan_once(text, start)
    except StopIteration as exc:
        raise CodecError(f"Expecting value at {exc.value}") from None
    except RecursionError:
        raise CodecError("the JSON is nested too deeply") from None
    except Exception as exc:
        raise CodecError(f"{type(exc).__name__}: {exc}") from None
    end = _ws_end(text, end).end()
    if end != len(text):
        raise CodecError(f"Extra data at {end}")
    return value
