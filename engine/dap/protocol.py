"""Debug Adapter Protocol framing: ``Content-Length: N\\r\\n\\r\\n`` followed by N bytes of UTF-8 JSON.

The reader is built to survive bad input and keep serving:

- a header block without ``Content-Length`` is reported and skipped; one with a silly length (not a number,
  negative, over MAX_BODY) is reported with the body behind it, taken as a body of unknown length (below);
- bytes before a header (left over from a message whose length was too short) are skipped, as is a run of
  MAX_HEADER bytes with no header end;
- a body that is not JSON, or not a JSON object, is reported with the bytes it held;
- a length that is too long is noticed as soon as the next real header shows up inside the "body" (raw CR LF
  pairs and a ``Content-Length:`` line can never be part of one JSON value), so the server resynchronises on it
  instead of waiting forever for bytes that will not come; and when the bytes received so far already hold a
  whole JSON object and no more arrive, it stops waiting too (a strict prefix of a JSON text is never a whole
  JSON object, unless only white space follows);
- a length that is too short is noticed when the body is not JSON but the body and the bytes right behind it
  are.

Every problem comes back as a :class:`FrameError` from :meth:`MessageReader.read`; the caller answers it and
reads on (a request it can still make out, by its parsed JSON or by its ``seq`` in the raw bytes, gets an error
response). ``None`` means the peer closed the stream; a fatal FrameError, that the peer stalled inside a
message for longer than ``partial_timeout`` (the caller drops it).

Reading is linear in the size of a message: searches resume where the previous one stopped (a 16 MB body used
to take 10 to 14 s, re-scanned on every read; 0.3 s now), and the costly check for a whole JSON object runs
only when the sender pauses. JSON goes through ``codec`` (the program being debugged cannot patch it).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import codec

MAX_BODY = 64 * 1024 * 1024
# a header block is at most this long; longer runs of bytes without one are skipped as garbage
MAX_HEADER = 64 * 1024
# a body shorter than its Content-Length is checked for a whole JSON object only up to this size
_EARLY_CHECK_MAX = 1024 * 1024
# how long to wait for the rest of a body whose bytes so far are a whole JSON object
_REST_WAIT = 0.05
_HEADER_END = b"\r\n\r\n"
_LENGTH_RE = re.compile(rb"Content-Length[ \t]*:[ \t]*(\S*)", re.IGNORECASE)
# a complete header block that starts somewhere inside a body: the sign of a Content-Length that was too long
# (bounded, so that a search over new bytes only needs to look back _RESYNC_OVERLAP bytes)
_EMBEDDED_HEADER_RE = re.compile(
    rb"Content-Length[ \t]{0,16}:[ \t]{0,16}\d{1,20}[ \t]{0,16}\r\n(?:[^\r\n]{0,200}\r\n){0,8}?\r\n",
    re.IGNORECASE,
)
_RESYNC_OVERLAP = 2048  # longer than any match of _EMBEDDED_HEADER_RE
_monotonic = time.monotonic


@dataclass
class FrameError:
    """A message that could not be read. ``message`` is the parsed JSON when it got that far (to answer it).
    ``fatal``: the connection is to be dropped (a client that stalled inside a message)."""

    reason: str
    raw: bytes = b""
    message: Any = None
    fatal: bool = False


class _Stalled(Exception):
    pass


class MessageReader:
    """Reads framed messages from ``read_some`` (returns some bytes, or b"" at end of stream).

    ``readable(timeout)`` (optional) says whether ``read_some`` has bytes within ``timeout`` seconds; without
    it, a body that is already a whole JSON object but shorter than its Content-Length is taken at once.

    ``partial_timeout`` (seconds, needs ``readable``): a peer that keeps a message unfinished (part of a header
    or of a body) that long is given up on: ``read`` returns a fatal FrameError. An idle peer between messages
    is waited for as long as it likes.

    Each byte is scanned a bounded number of times, so reading a message takes time linear in its size.
    """

    def __init__(
        self,
        read_some: Callable[[], bytes],
        readable: Callable[[float], bool] | None = None,
        *,
        partial_timeout: float | None = None,
    ) -> None:
        self._read_some = read_some
        self._readable = readable
        self._partial_timeout = partial_timeout if readable is not None else None
        self._buf = bytearray()
        self._eof = False
        self._since: float | None = None  # when the unfinished message in the buffer was first waited on

    def _fill(self) -> bool:
        if self._eof:
            return False
        if self._partial_timeout is not None and self._readable is not None:
            if not self._buf or self._buf.isspace():
                self._since = None
            else:
                if self._since is None:
                    self._since = _monotonic()
                left = self._since + self._partial_timeout - _monotonic()
                if left <= 0 or not self._readable(left):
                    raise _Stalled
        try:
            data = self._read_some()
        except (OSError, ValueError):
            data = b""
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def read(self) -> dict[str, Any] | FrameError | None:
        try:
            return self._read()
        except _Stalled:
            raw = bytes(self._buf[:200])
            self._buf.clear()
            self._eof = True
            return FrameError(
                f"the client sent part of a message and nothing more for {self._partial_timeout:g} s: "
                "connection dropped",
                raw,
                fatal=True,
            )
        finally:
            self._since = None

    def _read(self) -> dict[str, Any] | FrameError | None:
        end = self._header_end()
        if not isinstance(end, int):
            return end
        header = bytes(self._buf[:end])
        del self._buf[: end + len(_HEADER_END)]
        return self._message(header)

    # -- the header block ---------------------------------------------------------------------------------
    def _header_end(self) -> int | FrameError | None:
        """Where the next header block ends in the buffer, reading until it is there. A FrameError for bytes
        skipped or a stream that ended inside a header; None for a stream that ended between messages."""
        searched = 0
        end = self._buf.find(_HEADER_END)
        while end < 0:
            if len(self._buf) > MAX_HEADER:
                return self._skip_headerless()
            searched = max(
                0, len(self._buf) - len(_HEADER_END) + 1
            )  # a new search resumes where this stopped
            if not self._fill():
                return self._ended_in_header()
            end = self._buf.find(_HEADER_END, searched)
        return end

    def _skip_headerless(self) -> FrameError:
        """No header in sight: skip what cannot be part of one (keep a tail a header may start in)."""
        cut = len(self._buf) - 1024
        raw = bytes(self._buf[:cut])
        del self._buf[:cut]
        return FrameError("bytes outside any message were skipped", raw)

    def _ended_in_header(self) -> FrameError | None:
        if not self._buf.strip():
            return None
        return FrameError("the stream ended inside a message header", self._take_all())

    def _message(self, header: bytes) -> dict[str, Any] | FrameError:
        """The message a header block (taken off the buffer) starts: its body, read by its Content-Length."""
        matches = list(_LENGTH_RE.finditer(header))  # the last one wins: garbage may precede the header
        if not matches:
            return FrameError("a message header without Content-Length was skipped", header)
        m = matches[-1]
        start = m.start()
        garbage = header[:start]
        if garbage.strip():
            # report the skipped bytes, then read the message they preceded on the next call
            self._buf[:0] = header[start:] + _HEADER_END
            return FrameError("bytes outside any message were skipped", garbage)
        try:
            length = int(m.group(1))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return self._bad_length(header, m.group(1))
        return self._body(length)

    def _bad_length(self, header: bytes, value: bytes) -> FrameError:
        """A Content-Length that is not a number, negative or over MAX_BODY: the body's end is unknown. It
        ends where the next header starts, or where a whole JSON object ends and the sender pauses; it is
        reported (and a request in it answered), never carried out."""
        bad = f"bad Content-Length {value[:40]!r}"
        result = self._body(MAX_BODY)
        if isinstance(result, FrameError):
            result.reason = f"{bad} (the message was taken up to the next header, or to a pause)"
            return result
        return FrameError(bad, header, result)

    # -- the body -----------------------------------------------------------------------------------------
    def _body(self, length: int) -> dict[str, Any] | FrameError:
        """The body of a message whose header said `length` (see the module's docstring for a wrong length)."""
        short = self._fill_body(length)
        if short is not None:
            return short
        body = bytes(self._buf[:length])
        del self._buf[:length]
        result = parse_body(body)
        if isinstance(result, FrameError) and result.message is None:
            return self._broken_body(length, body, result)
        return result

    def _fill_body(self, length: int) -> FrameError | None:
        """Read until the buffer holds `length` bytes of body; or the FrameError of a body that turned out
        shorter than that (a header inside it, a whole JSON object and a pause, the end of the stream)."""
        checked = 0  # the body bytes already searched for an embedded header
        while len(self._buf) < length:
            resync = _EMBEDDED_HEADER_RE.search(self._buf, max(0, checked - _RESYNC_OVERLAP))
            checked = len(self._buf)
            if resync is not None:
                raw = bytes(self._buf[: resync.start()])
                del self._buf[: resync.start()]
                return _too_long(length, raw)
            whole = self._whole_at_pause(length)
            if whole is not None:
                return whole
            if not self._fill():
                raw = self._take_all()
                return FrameError(
                    f"the stream ended inside a message body of {length} bytes", raw, _whole_object(raw)
                )
        return None

    def _whole_at_pause(self, length: int) -> FrameError | None:
        """A whole JSON object short of its length, once the sender paused: the message is all here and
        nothing follows it, so the length was too long. (The check parses the buffer: doing it on every read
        would make a slow sender cost quadratic time.)"""
        if self._readable is not None and self._readable(_REST_WAIT):
            return None
        whole = _whole_object(self._buf)
        if whole is None:
            return None
        return _too_long(length, self._take_all(), whole)

    def _broken_body(self, length: int, body: bytes, error: FrameError) -> FrameError:
        """A body of `length` bytes that is not JSON: if a header starts inside it or the bytes behind it
        complete it, the length was wrong (read on from the right place); else it is just broken."""
        cut = _resync_point(body)
        if cut is not None:
            # a header inside a broken body: the length was wrong; read on from that header
            self._buf[:0] = body[cut:]
            error.raw = body[:cut]
            error.message = _whole_object(error.raw)
            error.reason += f" (Content-Length {length} did not match the message)"
            return error
        longer = self._too_short(length, body)
        return longer if longer is not None else error

    def _take_all(self) -> bytes:
        raw = bytes(self._buf)
        self._buf.clear()
        return raw

    def _too_short(self, length: int, body: bytes) -> FrameError | None:
        """A body that is not JSON, but is with the bytes already buffered behind it (up to the next header)."""
        resync = _EMBEDDED_HEADER_RE.search(self._buf, 0, _EARLY_CHECK_MAX)
        end = resync.start() if resync is not None else len(self._buf)
        if not end or len(body) + end > _EARLY_CHECK_MAX:
            return None
        whole = _whole_object(body + self._buf[:end])
        if whole is None:
            return None
        raw = body + bytes(self._buf[:end])
        del self._buf[:end]
        return FrameError(
            f"Content-Length {length} is shorter than the message ({len(raw)} bytes)", raw, whole
        )


def _too_long(length: int, raw: bytes, message: Any = None) -> FrameError:
    return FrameError(
        f"Content-Length {length} is longer than the message ({len(raw)} bytes)",
        raw,
        message if message is not None else _whole_object(raw),
    )


_SPACE = frozenset(b" \t\r\n")


def _whole_object(data: bytes | bytearray) -> dict[str, Any] | None:
    """The JSON object ``data`` holds, when it is exactly one (cheap checks first: this runs on partial
    bodies)."""
    if len(data) > _EARLY_CHECK_MAX:
        return None
    i = len(data) - 1
    while i >= 0 and data[i] in _SPACE:
        i -= 1
    if i < 0 or data[i] != ord("}"):
        return None
    text = bytes(data).strip()
    if not text.startswith(b"{"):
        return None
    result = parse_body(text)
    return result if isinstance(result, dict) else None


_MARK = b"content-length"


def _resync_point(body: bytes) -> int | None:
    """Where the next message's header starts inside a body that failed to parse (or None)."""
    low = body.lower()
    i = low.find(_MARK)
    if i >= 0:
        return i
    for k in range(min(len(_MARK) - 1, len(body)), 0, -1):  # a header cut off at the end of the body
        if low.endswith(_MARK[:k]):
            return len(body) - k
    return None


def parse_body(body: bytes) -> dict[str, Any] | FrameError:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FrameError(f"the message is not UTF-8: {exc}", body)
    try:
        message = codec.loads(text)
    except codec.CodecError as exc:
        return FrameError(f"the message is not valid JSON: {exc}", body)
    if not isinstance(message, dict):
        return FrameError(f"the message is a JSON {type(message).__name__}, not an object", body, message)
    return message


def encode(message: dict[str, Any]) -> bytes:
    # a lone surrogate (a str from the program) becomes a \\udXXX escape: valid UTF-8, valid JSON
    body = codec.dumps(message).encode("utf-8", "backslashreplace")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class MessageWriter:
    """Writes framed messages with one lock, so events from debuggee threads never interleave with responses.

    While a request is being handled (``hold``), events are queued and go out right after its response: a
    client never sees the ``stopped`` of a step before the step's own response.
    """

    def __init__(self, write_all: Callable[[bytes], None]) -> None:
        self._write_all = write_all
        self._lock = threading.RLock()
        self._seq = 0
        self._held = 0
        self._pending: list[dict[str, Any]] = []
        self._gated: set[str] = set()
        self._kept: list[dict[str, Any]] = []
        self.closed = False

    def _write(self, message: dict[str, Any]) -> None:
        self._seq += 1
        message["seq"] = self._seq
        if self.closed:
            return
        try:
            data = encode(message)
        except ValueError as exc:  # a body the codec cannot write (a str() that raises, a cycle)
            data = encode(_unencodable(message, exc))
        try:
            self._write_all(data)
        except (OSError, ValueError):
            self.closed = True  # the client went away; the reader sees the end of the stream

    def gate(self, *events: str) -> None:
        """Keep these events back until `open_gate` (e.g. `initialized` until the client is authenticated)."""
        with self._lock:
            self._gated.update(events)

    def open_gate(self) -> None:
        with self._lock:
            self._gated.clear()
            kept, self._kept = self._kept, []
            for message in kept:
                self.event(message["event"], message.get("body"))

    def event(self, event: str, body: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"type": "event", "event": event}
        if body is not None:
            message["body"] = body
        with self._lock:
            if event in self._gated:
                self._kept.append(message)
            elif self._held:
                self._pending.append(message)
            else:
                self._write(message)

    def hold(self) -> None:
        with self._lock:
            self._held += 1

    def release(self, response: dict[str, Any] | None = None) -> None:
        with self._lock:
            if response is not None:
                self._write(response)
            self._held -= 1
            if not self._held:
                pending, self._pending = self._pending, []
                for message in pending:
                    self._write(message)

    def response(self, response: dict[str, Any]) -> None:
        with self._lock:
            self._write(response)


def _unencodable(message: dict[str, Any], exc: Exception) -> dict[str, Any]:
    """What goes out instead of a message that could not be encoded: an error response to the same request, or
    a console line for an event."""
    text = f"dapper-tui dap: a message could not be encoded: {exc}"
    if message.get("type") == "response":
        return {
            "type": "response",
            "seq": message.get("seq", 0),
            "request_seq": message.get("request_seq", 0),
            "success": False,
            "command": str(message.get("command", "")),
            "message": text,
        }
    return {
        "type": "event",
        "seq": message.get("seq", 0),
        "event": "output",
        "body": {"category": "console", "output": text + "\n"},
    }
