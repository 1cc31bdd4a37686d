"""Choosing which scenarios to run: ``-k`` expressions and ``--tag``.

Pure logic on ``Scenario`` objects; no I/O.

``-k EXPR`` works like pytest's: every word is a case-insensitive substring
test on the scenario id ``path::name``; words combine with ``and``, ``or``,
``not`` and parentheses (``not`` binds tightest, then ``and``, then ``or``).
Because scenario names usually contain spaces, a word may also be quoted:
``-k '"returns each line" and not udp'``.

``--tag EXPR`` is an expression over tags in the same grammar, like pytest's
``-m``: every word is true when the scenario has that tag (exact,
case-sensitive match, the way pytest markers behave), so ``--tag smoke``,
``--tag "tcp and not slow"`` and ``--tag "(udp or unix) and smoke"`` all
work.  Repeated, ``--tag`` keeps a scenario matching *any* of them.  ``-k``
and ``--tag`` together keep the scenarios that satisfy both.

``--shard K/N`` keeps the K-th of N parts of the files, for CI matrices: the
files sorted by the path reports show, every N-th one from the K-th.  Each
job of a matrix finds the same files, so the parts are disjoint and together
hold every file; a file stays whole, so its scenarios run (and fail) together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import SockscenError
from .model import Scenario

__all__ = ["KeywordError", "compile_keyword", "compile_tags", "parse_shard", "select", "shard"]


class KeywordError(SockscenError):
    """Raised when a ``-k`` or ``--tag`` expression cannot be parsed; the message shows where."""


Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class _Dialect:
    """What the words of an expression test, and how a message names the option."""

    option: str
    word: Callable[[str], Predicate]
    explain: str


def _substring(word: str) -> Predicate:
    needle = word.casefold()
    return lambda text: needle in text.casefold()


def _has_tag(word: str) -> Predicate:
    return lambda tags: word in tags


_KEYWORD = _Dialect(
    "-k",
    _substring,
    "words match the scenario id 'path::name' as substrings, case-insensitively; "
    "combine them with and, or, not and parentheses; quote words that hold spaces",
)
_TAGS = _Dialect(
    "--tag",
    _has_tag,
    "words are tags, matched exactly; combine them with and, or, not and parentheses",
)

# A bare word is anything up to whitespace, a parenthesis or a quote, so ids such as
# ``scenarios/echo.yaml::echo`` need no quoting.
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<quoted>"[^"]*"|'[^']*')
      | (?P<unterminated>["'])
      | (?P<word>[^\s()"']+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not"})
_MAX_DEPTH = 100


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "word", "end"
    text: str
    column: int  # 1-based, for messages


def _tokenize(expression: str, dialect: _Dialect) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while True:
        while pos < len(expression) and expression[pos].isspace():
            pos += 1
        if pos >= len(expression):
            tokens.append(_Token("end", "", pos + 1))
            return tokens
        m = _TOKEN.match(expression, pos)
        # The pattern accepts any non-space character, so a match always exists here.
        assert m is not None
        column = m.start(m.lastgroup or 0) + 1
        if m.group("lparen"):
            tokens.append(_Token("(", "(", column))
        elif m.group("rparen"):
            tokens.append(_Token(")", ")", column))
        elif m.group("quoted") is not None:
            tokens.append(_Token("word", m.group("quoted")[1:-1], column))
        elif m.group("unterminated"):
            raise KeywordError(
                _message(
                    dialect, expression, column, f"unterminated quote {m.group('unterminated')}"
                )
            )
        else:
            word = m.group("word")
            lowered = word.lower()
            tokens.append(_Token(lowered if lowered in _KEYWORDS else "word", word, column))
        pos = m.end()


def _message(dialect: _Dialect, expression: str, column: int, problem: str) -> str:
    return (
        f"wrong {dialect.option} expression {expression!r}: at column {column}: {problem}\n"
        f"  {expression}\n"
        f"  {' ' * (column - 1)}^\n"
        f"  ({dialect.explain})"
    )


class _Parser:
    """Recursive descent over: or_expr := and_expr ('or' and_expr)*;
    and_expr := not_expr ('and' not_expr)*; not_expr := 'not' not_expr | '(' or_expr ')' | word."""

    def __init__(self, expression: str, dialect: _Dialect) -> None:
        self.expression = expression
        self.dialect = dialect
        self.tokens = _tokenize(expression, dialect)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, expected: str) -> KeywordError:
        tok = self.current
        found = "the end of the expression" if tok.kind == "end" else repr(tok.text)
        return KeywordError(
            _message(
                self.dialect, self.expression, tok.column, f"expected {expected}, found {found}"
            )
        )

    def parse(self) -> Predicate:
        predicate = self.or_expr()
        if self.current.kind != "end":
            raise self.fail("'and', 'or' or the end of the expression")
        return predicate

    def or_expr(self) -> Predicate:
        terms = [self.and_expr()]
        while self.current.kind == "or":
            self.index += 1
            terms.append(self.and_expr())
        if len(terms) == 1:
            return terms[0]
        return lambda text: any(t(text) for t in terms)

    def and_expr(self) -> Predicate:
        terms = [self.not_expr()]
        while self.current.kind == "and":
            self.index += 1
            terms.append(self.not_expr())
        if len(terms) == 1:
            return terms[0]
        return lambda text: all(t(text) for t in terms)

    def not_expr(self) -> Predicate:
        tok = self.current
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            # Deep nesting would exhaust Python's recursion limit: a usage error, not a crash.
            raise KeywordError(
                _message(self.dialect, self.expression, tok.column, "nested too deeply")
            )
        try:
            return self._not_expr(tok)
        finally:
            self.depth -= 1

    def _not_expr(self, tok: _Token) -> Predicate:
        if tok.kind == "not":
            self.index += 1
            inner = self.not_expr()
            return lambda text: not inner(text)
        if tok.kind == "(":
            self.index += 1
            inner = self.or_expr()
            if self.current.kind != ")":
                raise self.fail("')'")
            self.index += 1
            return inner
        if tok.kind == "word":
            self.index += 1
            return self.dialect.word(tok.text)
        raise self.fail("a word, 'not' or '('")


def compile_keyword(expression: str) -> Predicate:
    """Compile a ``-k`` expression into a predicate on scenario ids.

    An empty (or all-blank) expression matches everything, as in pytest.
    Raises ``KeywordError`` with the column of the problem.
    """
    if not expression.strip():
        return lambda text: True
    return _Parser(expression, _KEYWORD).parse()


def compile_tags(expressions: Sequence[str]) -> Callable[[Collection[str]], bool]:
    """Compile ``--tag`` expressions into one predicate on a scenario's tags.

    A scenario matches when it matches any of *expressions*; none matches
    everything.  Raises ``KeywordError`` with the column of the problem.
    """
    compiled = [_Parser(e, _TAGS).parse() for e in expressions if e.strip()]
    if not compiled:
        return lambda tags: True
    return lambda tags: any(p(tags) for p in compiled)


def select(
    scenarios: Sequence[Scenario], keyword: str | None = None, tags: Sequence[str] = ()
) -> list[Scenario]:
    """The scenarios matching ``keyword`` (a ``-k`` expression) and any of ``tags``.

    Each of ``tags`` is a tag expression (a lone tag is one).  ``keyword``
    None and empty ``tags`` keep everything.  Order is preserved.  Raises
    ``KeywordError`` for a malformed expression.
    """
    predicate = compile_keyword(keyword) if keyword is not None else None
    tagged = compile_tags(tags)
    return [
        s for s in scenarios if (predicate is None or predicate(s.id)) and tagged(frozenset(s.tags))
    ]


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` as (K, N), 1 <= K <= N; ``ValueError`` with a message for a user otherwise."""
    index, slash, count = text.partition("/")
    if not slash or not index.strip().isdigit() or not count.strip().isdigit():
        raise ValueError(f"{text!r} is not a shard: write K/N, e.g. 1/4 (the first of four)")
    k, n = int(index), int(count)
    if n < 1 or not 1 <= k <= n:
        raise ValueError(f"shard {text!r}: K must be from 1 to N, and N at least 1")
    return k, n


def shard(files: Sequence[str], index: int, count: int) -> list[str]:
    """The *index*-th (from 1) of *count* parts of *files*, in their given order.

    Every *count*-th file of *files* sorted, from the *index*-th on: parts
    differ by one file at most, and adding a file moves only those after it.
    """
    part = set(sorted(files)[index - 1 :: count])
    return [f for f in files if f in part]
