"""Expressions over named concepts for latent vector arithmetic (`gan arithmetic`).

An expression such as ``glasses man - man + woman`` or ``0.5*smile + 2*(a - b)/3`` is a linear
combination of concepts (named latent vectors). This module only parses it; the caller looks up
each concept's vector and adds them up with the weights found here.

Language:

- ``+`` and ``-`` (binary and unary), ``*`` and ``/`` by a number, parentheses;
- numbers such as ``1``, ``0.25``, ``.5``, ``1e-1``; a number written directly before a concept
  scales it (``0.5 smile`` is ``0.5*smile``);
- concept names, quoted (``"glasses man"`` or ``'glasses man'``) or bare: a run of bare words
  is split, left to right, into the longest names from the known list. Two concepts side by side
  with no operator between them are an error. Names match case-insensitively, with runs of
  whitespace counted as one space.

A sample can be named by its seed, ``seed:42`` (the latent `gan sample --seed 42` draws first), to
edit one face rather than a class mean: ``seed:42 + glasses man - man``. Its name in the terms
is ``seed:42``.

Numbers may be combined among themselves (``(1 + 1)*a``), but a number on its own is no
concept: ``a + 2`` is an error. Every error is an `ExprError` whose message points at the
offending place in the expression.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from gancli.errors import GanError

__all__ = ["SEED_PREFIX", "ExprError", "Term", "parse", "seed_of", "terms_in_order"]

MAX_DEPTH = 100  # nested parentheses; deeper expressions would exhaust Python's stack
_CLOSE_CUTOFF = 0.5
_MAX_LISTED = 10

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RUN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*")
_SEED = re.compile(r"seed\s*:\s*", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
SEED_PREFIX = "seed:"
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_OPERATORS = "+-*/"


class ExprError(GanError):
    """A parse error; str(e) is the message, e.position the 0-based character index, e.text the
    expression.

    The message has three lines: what is wrong, the expression, and a caret under the position
    (both indented by two spaces, so that the caret lines up).
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        self.message = message
        self.text = text
        self.position = position
        super().__init__(f"{message}\n  {_shown(text)}\n  {' ' * position}^")


@dataclass(frozen=True)
class Term:
    name: str  # the concept's spelling from `names`
    weight: float


def parse(text: str, names: Iterable[str]) -> list[Term]:
    """The expression as a linear combination: one Term per distinct concept, in order of first
    appearance, weights summed (so 'a - a + b' gives [Term('a', 0.0), Term('b', 1.0)])."""
    sums: dict[str, float] = {}
    for name, weight, pos in _Parser(text, names).run():
        total = sums.get(name, 0.0) + weight
        if not math.isfinite(total):
            raise ExprError(f"the weight of {_quoted(name)} is too large", text, pos)
        sums[name] = total
    return [Term(name, weight) for name, weight in sums.items()]


def terms_in_order(text: str, names: Iterable[str]) -> list[Term]:
    """Each concept occurrence as written, with its effective sign/weight after distributing
    scalars and parentheses (for a figure showing each term): 'a - 2*(b - c)' -> a 1, b -2, c 2."""
    return [Term(name, weight) for name, weight, _ in _Parser(text, names).run()]


def seed_of(name: str) -> int | None:
    """The seed a term names ('seed:42' -> 42), or None for a concept."""
    return int(name[len(SEED_PREFIX) :]) if name.startswith(SEED_PREFIX) else None


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _shown(s: str) -> str:
    """`s` on one line with one character per character, so that a caret below lines up."""
    return "".join(" " if ch.isspace() else ch if ch.isprintable() else "?" for ch in s)


def _quoted(name: str) -> str:
    return "'" + _shown(name) + "'"


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "(", ")", "end"
    pos: int
    text: str = ""
    value: float = 0.0


@dataclass
class _Value:
    """A sub-expression's value: a plain number, or concept occurrences with their weights."""

    pos: int
    number: float | None = None
    terms: list[tuple[str, float, int]] | None = None  # (name, weight, position)

    def scaled(self, k: float, text: str, pos: int) -> _Value:
        if self.number is not None:
            return _Value(self.pos, number=_finite(self.number * k, text, pos))
        assert self.terms is not None
        terms = [(n, _finite(w * k, text, pos), p) for n, w, p in self.terms]
        return _Value(self.pos, terms=terms)


def _finite(x: float, text: str, pos: int) -> float:
    if not math.isfinite(x):
        raise ExprError("a weight is too large", text, pos)
    return x


class _Names:
    """The known concepts, looked up case-insensitively."""

    def __init__(self, names: Iterable[str]) -> None:
        self.spelling: dict[str, str] = {}
        for name in names:
            key = _key(name)
            if key:
                self.spelling.setdefault(key, name)
        self.longest = max((k.count(" ") + 1 for k in self.spelling), default=0)

    def unknown(self, shown: str, words: list[str], text: str, pos: int) -> ExprError:
        """The error for an unknown name: the closest known names, else all of them."""
        key = " ".join(words).casefold()
        message = f"unknown concept {_quoted(shown)}"
        if not self.spelling:
            return ExprError(f"{message}; no concepts are defined", text, pos)
        keys = list(self.spelling)
        close = difflib.get_close_matches(key, keys, n=3, cutoff=_CLOSE_CUTOFF)
        # Names written within the unknown text ("man" in "glases man") are likely meant too.
        folded = [w.casefold() for w in words]
        for k in keys:
            n = k.count(" ") + 1
            within = any(" ".join(folded[i : i + n]) == k for i in range(len(folded) - n + 1))
            if len(close) < 3 and within and k not in close:
                close.append(k)
        if close:
            listed = ", ".join(_shown(self.spelling[k]) for k in close)
            return ExprError(f"{message}; closest: {listed}", text, pos)
        known = [_shown(self.spelling[k]) for k in keys[:_MAX_LISTED]]
        more = len(keys) - len(known)
        listed = ", ".join(known) + (f" and {more} more" if more else "")
        return ExprError(f"{message}; known: {listed}", text, pos)


def _tokens(text: str, names: _Names) -> Iterator[_Token]:
    """The tokens of `text`, lazily, so that errors come in the order they are written."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        space = _SPACE.match(text, i)
        if space:
            i = space.end()
        elif ch in _OPERATORS:
            yield _Token("op", i, ch)
            i += 1
        elif ch in "()":
            yield _Token(ch, i, ch)
            i += 1
        elif ch in "\"'":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExprError("unterminated quote", text, i)
            inner = text[i + 1 : end]
            key = _key(inner)
            if not key:
                raise ExprError("empty concept name", text, i)
            if key not in names.spelling:
                raise names.unknown(" ".join(inner.split()), inner.split(), text, i)
            yield _Token("name", i, names.spelling[key])
            i = end + 1
        elif seed := _SEED.match(text, i):
            digits = _DIGITS.match(text, seed.end())
            if digits is None:
                raise ExprError("'seed:' takes a whole number, e.g. seed:42", text, seed.end())
            yield _Token("name", i, f"{SEED_PREFIX}{int(digits.group())}")
            i = digits.end()
        elif number := _NUMBER.match(text, i):
            value = float(number.group())
            if not math.isfinite(value):
                raise ExprError("number too large", text, i)
            yield _Token("num", i, number.group(), value)
            i = number.end()
        elif run := _RUN.match(text, i):
            yield from _split_run(text, run.start(), run.end(), names)
            i = run.end()
        else:
            raise ExprError(f"unexpected character {ch!r}", text, i)
    yield _Token("end", n)


def _split_run(text: str, start: int, end: int, names: _Names) -> Iterator[_Token]:
    """Bare words, split left to right into the longest known names."""
    words = list(_WORD.finditer(text, start, end))
    folded = [w.group().casefold() for w in words]
    i = 0
    while i < len(words):
        for size in range(min(names.longest, len(words) - i), 0, -1):
            key = " ".join(folded[i : i + size])
            if key in names.spelling:
                yield _Token("name", words[i].start(), names.spelling[key])
                i += size
                break
        else:
            rest = [w.group() for w in words[i:]]
            raise names.unknown(" ".join(rest), rest, text, words[i].start())


class _Parser:
    """Recursive descent over

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("+" | "-")* primary
    primary := NUMBER [NAME] | NAME | "(" expr ")"
    """

    def __init__(self, text: str, names: Iterable[str]) -> None:
        self.text = text
        self.tokens = _tokens(text, _Names(names))
        self.next: _Token | None = None
        self.prev: _Token | None = None
        self.depth = 0

    def error(self, message: str, pos: int) -> ExprError:
        return ExprError(message, self.text, pos)

    def peek(self) -> _Token:
        if self.next is None:
            self.next = next(self.tokens)
        return self.next

    def take(self) -> _Token:
        token = self.peek()
        self.prev, self.next = token, None
        return token

    def run(self) -> list[tuple[str, float, int]]:
        if not self.text.strip():
            raise self.error("empty expression", 0)
        value = self.expr()
        token = self.peek()
        if token.kind == ")":
            raise self.error("unmatched ')'", token.pos)
        if token.kind != "end":
            raise self.error("expected an operator", token.pos)
        if value.terms is None:
            raise self.error("a number must scale a concept", value.pos)
        return value.terms

    def expr(self) -> _Value:
        left = self.term()
        while (token := self.peek()).kind == "op" and token.text in "+-":
            self.take()
            right = self.term()
            if token.text == "-":
                right = right.scaled(-1.0, self.text, token.pos)
            left = self.add(left, right, token)
        return left

    def add(self, left: _Value, right: _Value, op: _Token) -> _Value:
        if left.number is not None and right.number is not None:
            return _Value(left.pos, number=_finite(left.number + right.number, self.text, op.pos))
        if left.number is not None:
            raise self.error("a number must scale a concept", left.pos)
        if right.number is not None:
            raise self.error("a number must scale a concept", right.pos)
        assert left.terms is not None and right.terms is not None
        return _Value(left.pos, terms=left.terms + right.terms)

    def term(self) -> _Value:
        left = self.unary()
        while (token := self.peek()).kind == "op" and token.text in "*/":
            self.take()
            right = self.unary()
            if token.text == "*":
                if left.number is not None:
                    start = left.pos
                    left = right.scaled(left.number, self.text, token.pos)
                    left.pos = start
                elif right.number is not None:
                    left = left.scaled(right.number, self.text, token.pos)
                else:
                    raise self.error("cannot multiply two concepts", token.pos)
            else:
                if right.number is None:
                    raise self.error("cannot divide by a concept", right.pos)
                if right.number == 0.0:
                    raise self.error("division by zero", right.pos)
                if left.number is not None:
                    left = _Value(
                        left.pos, number=_finite(left.number / right.number, self.text, token.pos)
                    )
                else:
                    assert left.terms is not None
                    terms = [
                        (n, _finite(w / right.number, self.text, token.pos), p)
                        for n, w, p in left.terms
                    ]
                    left = _Value(left.pos, terms=terms)
        return left

    def unary(self) -> _Value:
        start = self.peek().pos
        sign = 1.0
        while (token := self.peek()).kind == "op" and token.text in "+-":
            self.take()
            if token.text == "-":
                sign = -sign
        value = self.primary()
        if sign < 0:
            value = value.scaled(-1.0, self.text, start)
        value.pos = start
        return value

    def primary(self) -> _Value:
        token = self.peek()
        if token.kind == "num":
            self.take()
            if self.peek().kind == "name":
                name = self.take()
                return _Value(token.pos, terms=[(name.text, token.value, name.pos)])
            return _Value(token.pos, number=token.value)
        if token.kind == "name":
            self.take()
            return _Value(token.pos, terms=[(token.text, 1.0, token.pos)])
        if token.kind == "(":
            if self.depth >= MAX_DEPTH:
                raise self.error(f"parentheses nested more than {MAX_DEPTH} deep", token.pos)
            self.take()
            self.depth += 1
            value = self.expr()
            self.depth -= 1
            close = self.peek()
            if close.kind == "end":
                raise self.error("unmatched '('", token.pos)
            if close.kind != ")":
                raise self.error("expected an operator", close.pos)
            self.take()
            value.pos = token.pos
            return value
        raise self.missing(token)

    def missing(self, token: _Token) -> ExprError:
        """The error for a token where an operand should be: ')', '*', '/' or the end."""
        prev = self.prev
        if prev is not None and prev.kind == "op":
            return self.error(f"missing operand after '{prev.text}'", prev.pos)
        if prev is not None and prev.kind == "(":
            if token.kind == ")":
                return self.error("empty parentheses", prev.pos)
            if token.kind == "end":
                return self.error("unmatched '('", prev.pos)
        if token.kind == ")":
            return self.error("unmatched ')'", token.pos)
        if token.kind == "op":
            return self.error(f"missing operand before '{token.text}'", token.pos)
        return self.error("empty expression", token.pos)
