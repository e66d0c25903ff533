"""The parser of the JSON-like language (recursive descent over the lexer's tokens), and a document maker."""

from __future__ import annotations

import random

from .jsonlex import Lexer, Token

CHARS = [*"abcdefgh ", "\\n", '\\"']


class ParseError(ValueError):
    pass


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != kind:
            raise ParseError(f"expected {kind!r}, got {tok.kind!r} at {tok.pos}")  # BENCH-BP
        self.i += 1
        return tok

    def value(self) -> object:
        tok = self.peek()
        kind = tok.kind
        if kind == "{":
            return self.obj()
        if kind == "[":
            return self.array()
        if kind in ("str", "num", "lit"):
            self.i += 1
            return tok.value
        raise ParseError(f"unexpected {kind!r} at {tok.pos}")

    def obj(self) -> dict[str, object]:
        self.take("{")
        out: dict[str, object] = {}
        if self.peek().kind == "}":
            self.i += 1
            return out
        while True:
            key = self.take("str").value
            self.take(":")
            out[key] = self.value()  # type: ignore[index]
            if self.peek().kind == ",":
                self.i += 1
                continue
            self.take("}")
            return out

    def array(self) -> list[object]:
        self.take("[")
        out: list[object] = []
        if self.peek().kind == "]":
            self.i += 1
            return out
        while True:
            out.append(self.value())
            if self.peek().kind == ",":
                self.i += 1
                continue
            self.take("]")
            return out


def parse(text: str) -> object:
    p = Parser(Lexer(text).tokens())
    v = p.value()
    p.take("eof")
    return v


def make_document(rng: random.Random, depth: int = 0) -> str:
    kind = rng.random()
    if depth > 3 or kind < 0.3:
        choice = rng.randrange(5)
        if choice == 0:
            return str(rng.randrange(-1000, 1000))
        if choice == 1:
            return repr(rng.random())
        if choice == 2:
            return '"' + "".join(rng.choice(CHARS) for _ in range(rng.randrange(12))) + '"'
        return rng.choice(["true", "false", "null"])
    if kind < 0.65:
        items = [make_document(rng, depth + 1) for _ in range(rng.randrange(1, 6))]
        return "[" + ", ".join(items) + "]"
    fields = [f'"k{i}": {make_document(rng, depth + 1)}' for i in range(rng.randrange(1, 6))]
    return "{ # an object\n" + ",\n".join(fields) + "}"


def run(docs: int) -> int:
    rng = random.Random(7)
    texts = [make_document(rng) for _ in range(docs)]
    total = 0
    for text in texts:
        v = parse(text)
        total += len(v) if isinstance(v, (list, dict, str)) else 1
    return total
