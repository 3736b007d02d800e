"""The `filter` query of list operations, and paging with `skip`/`top` (pure).

The spec's grammar: `<property> <op> <value>` with `eq`, `ne` for every property, `gt`,
`ge`, `lt`, `le` for the date-times, combined with `and`, `or`, `not` and parentheses.
Example: `createdDateTime gt 2022-02-01T11:00:00Z and displayName eq 'My dataset'`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["DEFAULT_TOP", "FilterError", "Predicate", "page", "parse_filter"]

DEFAULT_TOP = 100
FILTER_PROPERTIES = frozenset(
    {"displayName", "description", "createdDateTime", "lastActionDateTime", "status", "locale",
     "kind"}
)
_DATE_PROPERTIES = frozenset({"createdDateTime", "lastActionDateTime"})
_TOKEN = re.compile(r"\s*(\(|\)|'(?:[^']|'')*'|[^\s()]+)")

Predicate = Callable[[dict[str, Any]], bool]
T = TypeVar("T")


class FilterError(ValueError):
    """The filter expression is not supported; the message says which part and why."""


def _tokenize(text: str) -> list[str]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None:
            raise FilterError(f"cannot read the filter near {text[position:]!r}")
        tokens.append(found.group(1))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterError("the filter ends too early")
        self.at += 1
        return token

    def expression(self) -> Predicate:
        left = self.term()
        while self.peek() == "or":
            self.take()
            left = _or(left, self.term())
        return left

    def term(self) -> Predicate:
        left = self.factor()
        while self.peek() == "and":
            self.take()
            left = _and(left, self.factor())
        return left

    def factor(self) -> Predicate:
        token = self.take()
        if token == "not":
            inner = self.factor()
            return lambda entity: not inner(entity)
        if token == "(":
            inner = self.expression()
            if self.take() != ")":
                raise FilterError("a '(' in the filter is not closed")
            return inner
        return _comparison(token, self.take(), self.take())


def _or(a: Predicate, b: Predicate) -> Predicate:
    return lambda entity: a(entity) or b(entity)


def _and(a: Predicate, b: Predicate) -> Predicate:
    return lambda entity: a(entity) and b(entity)


def _comparison(name: str, op: str, raw: str) -> Predicate:
    if name not in FILTER_PROPERTIES:
        raise FilterError(f"unsupported filter property {name!r}; use {sorted(FILTER_PROPERTIES)}")
    value = raw[1:-1].replace("''", "'") if raw.startswith("'") else raw
    if op in ("eq", "ne"):
        equal = op == "eq"
        return lambda entity: (entity.get(name) == value) == equal
    if op in ("gt", "ge", "lt", "le") and name in _DATE_PROPERTIES:
        tests: dict[str, Callable[[str, str], bool]] = {
            "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
            "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
        }
        test = tests[op]
        # ISO 8601 UTC stamps of one shape ("...Z") order correctly as strings.
        return lambda entity: test(str(entity.get(name, "")), value)
    raise FilterError(f"unsupported operator {op!r} for {name!r} in the filter")


def parse_filter(text: str | None) -> Predicate:
    """A predicate over stored entities; no filter selects everything."""
    if text is None or not text.strip():
        return lambda entity: True
    parser = _Parser(_tokenize(text))
    predicate = parser.expression()
    if parser.peek() is not None:
        raise FilterError(f"unexpected {parser.peek()!r} in the filter")
    return predicate


def page(items: Sequence[T], skip: int, top: int | None) -> tuple[list[T], int | None]:
    """The page `items[skip:skip+top]` and the `skip` of the next page (None: last page)."""
    size = DEFAULT_TOP if top is None else top
    end = skip + size
    return list(items[skip:end]), (end if end < len(items) else None)
