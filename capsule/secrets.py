"""Which ``.env`` entries are secrets, and redacting them from threads, reload records and ``capsule.log``.

A ``.env`` entry is a secret when its value is at least ``MIN_SECRET_LENGTH`` (6) characters long and

- its name has a part that names a secret: ``KEY``, ``TOKEN``, ``SECRET``, ``PASSWORD``, ``PASSWD``, ``PASS``,
  ``AUTH``, ``CREDENTIAL(S)``, ``PRIVATE``, ``COOKIE``, ``SESSION`` (whole parts of the name, split at ``_``,
  ``-``, ``.`` and lower-to-upper case changes: ``OPENAI_API_KEY`` and ``githubToken`` are secrets,
  ``KEYBOARD_LAYOUT`` and ``NOTES_FILE`` are not), or
- it is listed in ``agent.toml``::

      [env]
      secrets = ["DATABASE_URL", "WEBHOOK"]   # secrets whatever their name
      public = ["SESSION_DIR"]                 # never secrets, even when the name looks like one

Plain settings (``NOTES_FILE=notes.json``, ``DEBUG=true``) are left alone, so a user message or a tool result
that happens to contain ``true`` is not mangled. A secret is redacted in every form ``secret_forms`` lists: raw,
URL-quoted, base64 (alone or inside a longer base64 text such as an HTTP ``Basic`` credential), each also
JSON-escaped and ``repr()``-escaped (a tool that returns ``json.dumps({"key": value})`` or prints a dict).

``Redactor`` has the interface the runtime uses (``add(env)``, ``redactor(value)`` on str/dict/list) and one
more: ``text``/``bytes_`` for the log pump. Values added once stay redacted (an old key is still a secret).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from dapper_tui.capsule.project import AgentProject

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
SECRET_NAME_PARTS = frozenset(
    {
        "KEY",
        "KEYS",
        "APIKEY",
        "TOKEN",
        "TOKENS",
        "SECRET",
        "SECRETS",
        "PASSWORD",
        "PASSWORDS",
        "PASSWD",
        "PASS",
        "PASSPHRASE",
        "AUTH",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
        "COOKIE",
        "COOKIES",
        "SESSION",
    }
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def name_parts(name: str) -> list[str]:
    """``OPENAI_API_KEY`` → ``["OPENAI", "API", "KEY"]``; ``githubToken`` → ``["GITHUB", "TOKEN"]``."""
    return [p.upper() for chunk in _SPLIT.split(name) for p in _CAMEL.split(chunk) if p]


def looks_secret(name: str) -> bool:
    return any(part in SECRET_NAME_PARTS for part in name_parts(name))


def is_secret(name: str, value: str, secrets: Iterable[str] = (), public: Iterable[str] = ()) -> bool:
    if len(value) < MIN_SECRET_LENGTH or name in set(public):
        return False
    return name in set(secrets) or looks_secret(name)


_MIN_CORE = 8  # characters: shorter base64 fragments would match ordinary text


def _base64_forms(raw: bytes) -> set[str]:
    """The value base64-encoded (standard and URL-safe, with and without padding) and, for a value inside a
    longer base64 text, the characters that depend on the value alone at each of the three alignments."""
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        forms |= {whole, whole.rstrip("=")}
        for pad in range(3):
            encoded = encode(b"\0" * pad + raw).decode("ascii")
            core = encoded[-(-8 * pad // 6) : 8 * (pad + len(raw)) // 6]
            if len(core) >= _MIN_CORE:
                forms.add(core)
    return forms


def secret_forms(value: str) -> set[str]:
    """Every form the value is redacted in: raw, URL-quoted (``%XX``, ``+`` for spaces), base64 (standard and
    URL-safe, alone or inside a longer base64 text), and each of those as it appears inside a JSON string
    (escaped, with and without ``\\uXXXX``) and inside ``repr()`` of a str or of bytes."""
    raw = value.encode("utf-8", "surrogatepass")
    bases = {value, quote(value, safe=""), quote(value), quote_plus(value), *_base64_forms(raw)}
    forms: set[str] = set()
    for base in bases:
        forms |= {
            base,
            json.dumps(base)[1:-1],
            json.dumps(base, ensure_ascii=False)[1:-1],
            repr(base)[1:-1],
            repr(base.encode("utf-8", "surrogatepass"))[2:-1],
        }
    return {f for f in forms if f}


class Redactor:
    """Replaces secret ``.env`` values with ``[redacted]`` in strings, dicts and lists (recursively)."""

    def __init__(
        self,
        project: AgentProject | None = None,
        *,
        secrets: Iterable[str] = (),
        public: Iterable[str] = (),
    ) -> None:
        self.secret_names: set[str] = set(secrets)
        self.public_names: set[str] = set(public)
        if project is not None:
            from dapper_tui.capsule.project import ProjectError

            try:
                config = project.config()
            except ProjectError:
                config = None  # the runtime reports a broken agent.toml itself; names still apply
            if config is not None:
                self.secret_names |= set(config.env_secrets)
                self.public_names |= set(config.env_public)
        self.values: list[str] = []  # every form of every secret, longest first
        self._pattern: re.Pattern[str] | None = None

    def secrets_of(self, env: dict[str, str]) -> dict[str, str]:
        """The entries of ``env`` that are secrets."""
        return {k: v for k, v in env.items() if is_secret(k, v, self.secret_names, self.public_names)}

    def add(self, env: dict[str, str]) -> None:
        values = set(self.values)
        for value in self.secrets_of(env).values():
            values |= secret_forms(value)
        self.values = sorted(values, key=lambda v: (-len(v), v))
        self._pattern = re.compile("|".join(re.escape(v) for v in self.values)) if self.values else None

    @property
    def longest(self) -> int:
        return len(self.values[0]) if self.values else 0

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(REDACTED, value)

    def bytes_(self, value: bytes) -> bytes:
        if self._pattern is None:
            return value
        return self.text(value.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def __call__(self, value: Any) -> Any:
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        return value


class StreamRedactor:
    """Redacts text that arrives in pieces (a model's streamed reply): a secret split across two pieces is still
    seen whole. ``feed`` returns what is safe to show now and holds back only a tail that could be the start
    of a secret; ``flush`` returns that tail, redacted, when the stream ends."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        pattern = self.redactor._pattern
        if pattern is None:
            return text
        # the tail that may still grow into a secret (or into a longer form of one found complete) waits
        first = max(0, len(text) - self.redactor.longest + 1)
        hold = next(
            (i for i in range(first, len(text)) if any(v.startswith(text[i:]) for v in self.redactor.values)),
            len(text),
        )
        shown: list[str] = []
        pos = 0
        for match in pattern.finditer(text):
            if match.start() >= hold:
                break
            shown += [text[pos : match.start()], REDACTED]
            pos = match.end()
        end = max(hold, pos)
        shown.append(text[pos:end])
        self._held = text[end:]
        return "".join(shown)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self.redactor.text(held)


async def pump_redacted(
    stream: asyncio.StreamReader,
    write: Callable[[bytes], object],
    redactor: Redactor,
    *,
    max_line: int = 256 * 1024,
) -> None:
    """Copy ``stream`` to ``write`` line by line, secrets redacted, until end of file.

    A line longer than ``max_line`` is written in pieces; the last ``longest secret`` bytes are always held back
    so that a secret split across two reads is still seen whole.
    """
    buffer = b""
    while True:
        chunk = await stream.read(64 * 1024)
        if not chunk:
            break
        buffer += chunk
        cut = buffer.rfind(b"\n") + 1
        if cut:
            write(redactor.bytes_(buffer[:cut]))
            buffer = buffer[cut:]
        if len(buffer) > max_line:
            redacted = redactor.bytes_(buffer)
            hold = 4 * redactor.longest  # bytes: a character is at most 4 of them
            # a secret that starts in the held-back tail is unchanged by redaction, so the tail is raw bytes
            if hold and len(redacted) > hold:
                write(redacted[:-hold])
                buffer = redacted[-hold:]
            else:
                write(redacted)
                buffer = b""
    if buffer:
        write(redactor.bytes_(buffer))
