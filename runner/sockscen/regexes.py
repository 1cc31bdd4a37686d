"""User regexes with a bounded cost: a pattern from a scenario can never hang the runner.

Python's ``re`` backtracks without limit and holds the GIL for the whole match,
so ``(a+)+$`` against 49 ``a``s and a ``b`` blocks the event loop, every
deadline and every signal handler until it ends, which is never in practice.
Scenario regexes are therefore *checked* by ``re`` (users write Python
regexes; the syntax accepted and the error messages are exactly ``re``'s) and
*run* by the ``regex`` module in its ``re``-compatible mode (``VERSION0``),
whose matching loop stops at a time limit and runs pending signal handlers as
it goes (so Ctrl-C interrupts a long match at once).  ``bench/RESULTS.md``
has the measurements behind this choice (``bench/regex_engines.py``).

The one construct the two modules read differently is a brace that ``re``
takes literally but ``regex`` takes as fuzzy matching (``a{e<=1}``): such
braces are escaped before ``regex`` sees them, so they stay literal.

A match that hits the limit returns :class:`GaveUp`, not an exception: the
type checker then makes every caller turn it into the step's failure.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import AnyStr, Generic, Protocol

import regex

DEFAULT_TIMEOUT = 1.0
"""Seconds one match may take before it gives up.

A legitimate match of a step-sized buffer takes microseconds to milliseconds;
one second leaves room for multi-megabyte data while keeping the freeze of the
event loop short when a pattern backtracks catastrophically.
"""

_CACHE_SIZE = 512  # as re's own cache: patterns with placeholders are compiled per use

# A brace ``re`` reads as a repeat: digits, optionally a comma and digits.  Any
# other ``{`` is a literal for ``re`` (sre_parse falls back to LITERAL), and
# must be one for ``regex`` too.  ``{}`` is a literal although it matches this.
_REPEAT = re.compile(r"\{[0-9]*(?:,[0-9]*)?\}")
_NAMED_CHAR = re.compile(r"\\N\{[^}]*\}")


class Found(Protocol[AnyStr]):
    """A successful match: the part of ``re.Match`` that callers use."""

    def start(self, group: int | str = 0, /) -> int:
        """Where the match (or a group) starts; -1 for a group that did not take part."""
        ...

    def end(self, group: int | str = 0, /) -> int:
        """Where the match (or a group) ends; -1 for a group that did not take part."""
        ...

    def groupdict(self) -> dict[str, AnyStr | None]:
        """Named groups and what they matched (None when a group did not take part)."""
        ...


@dataclass(frozen=True, slots=True)
class GaveUp:
    """The match was stopped after ``seconds``: the pattern explodes on this input."""

    seconds: float

    @property
    def reason(self) -> str:
        """The sentence a failed step shows."""
        return (
            f"regex gave up after {self.seconds:g}s: the pattern backtracks catastrophically "
            "on this input (nested quantifiers such as (a+)+, or alternatives that overlap "
            "such as (a|aa)+); anchor it or simplify it"
        )


class UserRegex(Generic[AnyStr]):
    """A compiled scenario regex; every match is bounded by a time limit.

    Methods take ``bytes``-like data (``bytearray`` and ``memoryview`` too,
    without a copy) for a bytes pattern and ``str`` for a text pattern, as
    ``re`` does (the stubs cannot say "bytes-like only for bytes patterns",
    hence the ignores), and return the match, ``None``, or
    :class:`GaveUp` when the match took longer than *timeout* seconds
    (``DEFAULT_TIMEOUT`` when not given).
    """

    __slots__ = ("_run", "groupindex", "pattern")

    pattern: AnyStr
    groupindex: dict[str, int]
    _run: regex.Pattern[AnyStr]

    def __init__(self, pattern: AnyStr, checked: re.Pattern[AnyStr], run: regex.Pattern[AnyStr]):
        self.pattern = pattern
        self.groupindex = dict(checked.groupindex)
        self._run = run

    def __repr__(self) -> str:
        return f"UserRegex({self.pattern!r})"

    # Equal when the pattern is, as re.Pattern: models holding a compiled regex compare by value.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, UserRegex) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def match(
        self, data: AnyStr | bytearray | memoryview, pos: int = 0, *, timeout: float | None = None
    ) -> Found[AnyStr] | GaveUp | None:
        """Match at *pos* (like ``re.Pattern.match``)."""
        limit = DEFAULT_TIMEOUT if timeout is None else timeout
        try:
            found: Found[AnyStr] | None = self._run.match(data, pos, timeout=limit)  # type: ignore[arg-type]
        except TimeoutError:
            return GaveUp(limit)
        return found

    def fullmatch(
        self, data: AnyStr | bytearray | memoryview, pos: int = 0, *, timeout: float | None = None
    ) -> Found[AnyStr] | GaveUp | None:
        """Match all of *data* from *pos* on (like ``re.Pattern.fullmatch``)."""
        limit = DEFAULT_TIMEOUT if timeout is None else timeout
        try:
            found: Found[AnyStr] | None = self._run.fullmatch(data, pos, timeout=limit)  # type: ignore[arg-type]
        except TimeoutError:
            return GaveUp(limit)
        return found

    def partial_match(
        self, data: AnyStr | bytearray | memoryview, *, timeout: float | None = None
    ) -> tuple[Found[AnyStr] | None, bool] | GaveUp:
        """Match at the start, telling a match from data that is only a prefix of one.

        Returns ``(match, partial)``: ``partial`` True when *data* ends while a
        match is still possible (more data may decide), ``match`` None when no
        data added later could make it match.
        """
        limit = DEFAULT_TIMEOUT if timeout is None else timeout
        try:
            found = self._run.match(data, partial=True, timeout=limit)  # type: ignore[arg-type]
        except TimeoutError:
            return GaveUp(limit)
        if found is None:
            return None, False
        return found, bool(found.partial)

    def search(
        self, data: AnyStr | bytearray | memoryview, pos: int = 0, *, timeout: float | None = None
    ) -> Found[AnyStr] | GaveUp | None:
        """Find the first match at or after *pos* (like ``re.Pattern.search``)."""
        limit = DEFAULT_TIMEOUT if timeout is None else timeout
        try:
            found: Found[AnyStr] | None = self._run.search(data, pos, timeout=limit)  # type: ignore[arg-type]
        except TimeoutError:
            return GaveUp(limit)
        return found


def compile_regex(pattern: AnyStr) -> UserRegex[AnyStr]:
    """Compile a user's regex (bytes or text); raises ``re.error`` when ``re`` refuses it.

    The syntax and the messages are ``re``'s: the pattern is compiled by
    ``re`` first, so what a user can write does not depend on the engine.
    Compiled patterns are cached, as by ``re``.
    """
    return _compile(pattern)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compile(pattern: AnyStr) -> UserRegex[AnyStr]:
    checked = re.compile(pattern)
    source = _literal_braces(pattern)
    try:
        run = regex.compile(source, regex.VERSION0)
    except regex.error as exc:  # pragma: no cover - re accepted it; kept as a user error
        raise re.error(f"not supported: {exc}", pattern) from None
    return UserRegex(pattern, checked, run)


def _literal_braces(pattern: AnyStr) -> AnyStr:
    if isinstance(pattern, bytes):
        if b"{" not in pattern:
            return pattern
        return _escape_braces(pattern.decode("latin-1")).encode("latin-1")
    if "{" not in pattern:
        return pattern
    return _escape_braces(pattern)


def _escape_braces(text: str) -> str:
    """Escape every ``{`` that ``re`` reads as a literal character.

    Escaping it is right everywhere, even inside a character class (``[\\{]``
    is ``[{]``), so only escapes need tracking: ``\\{`` is already literal and
    ``\\N{NAME}`` is one named character.
    """
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            named = _NAMED_CHAR.match(text, i)
            end = named.end() if named is not None else i + 2
            out.append(text[i:end])
            i = end
            continue
        if ch == "{" and (text.startswith("{}", i) or _REPEAT.match(text, i) is None):
            out.append("\\{")
        else:
            out.append(ch)
        i += 1
    return "".join(out)
