"""The lexer of a small JSON-like language (objects, arrays, strings, numbers, true/false/null, comments)."""

from __future__ import annotations

from dataclasses import dataclass

PUNCT = set("{}[],:")
DIGITS = set("0123456789-+.eE")
SPACE = set(" \t\r\n")


@dataclass(slots=True)
class Token:
    kind: str
    value: object
    pos: int


class LexError(ValueError):
    pass


class Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.n = len(text)

    def peek_char(self) -> str:
        return self.text[self.pos] if self.pos < self.n else ""

    def skip_space(self) -> None:
        while self.pos < self.n:
            ch = self.text[self.pos]
            if ch in SPACE:
                self.pos += 1
            elif ch == "#":
                self.skip_comment()
            else:
                break

    def skip_comment(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = self.n if end < 0 else end + 1

    def string(self) -> Token:
        start = self.pos
        self.pos += 1
        parts: list[str] = []
        while True:
            ch = self.peek_char()
            if ch == "":
                raise LexError(f"unterminated string at {start}")
            self.pos += 1
            if ch == '"':
                return Token("str", "".join(parts), start)
            if ch == "\\":
                parts.append(self.escape())
            else:
                parts.append(ch)

    def escape(self) -> str:
        ch = self.peek_char()
        self.pos += 1
        return {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(ch, ch)

    def number(self) -> Token:
        start = self.pos
        while self.pos < self.n and self.text[self.pos] in DIGITS:
            self.pos += 1
        raw = self.text[start : self.pos]
        value: object = float(raw) if any(c in raw for c in ".eE") else int(raw)
        return Token("num", value, start)

    def word(self) -> Token:
        start = self.pos
        while self.pos < self.n and self.text[self.pos].isalpha():
            self.pos += 1
        w = self.text[start : self.pos]
        if w == "true":
            return Token("lit", True, start)
        if w == "false":
            return Token("lit", False, start)
        if w == "null":
            return Token("lit", None, start)
        raise LexError(f"unknown word {w!r} at {start}")

    def next_token(self) -> Token:
        self.skip_space()
        ch = self.peek_char()
        if ch == "":
            return Token("eof", None, self.pos)
        if ch in PUNCT:
            self.pos += 1
            return Token(ch, ch, self.pos - 1)
        if ch == '"':
            return self.string()
        if ch in DIGITS:
            return self.number()
        return self.word()

    def tokens(self) -> list[Token]:
        out = []
        while True:
            tok = self.next_token()
            out.append(tok)
            if tok.kind == "eof":
                return out
