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
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, AnyStr, Generic, Protocol, cast

import regex

if sys.version_info >= (3, 11):
    from re import _parser as sre_parse
else:  # pragma: no cover - the CI's oldest Python
    import sre_parse

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
    """The match was stopped after ``seconds``, or (``out_of_memory``) for want of memory.

    ``regex`` keeps every repetition of a repeated capture group (``(x)+``) on
    its own stack, tens of bytes per byte matched: a hostile peer's 14 MiB line
    made it raise ``MemoryError``, which reached users as an internal error.
    """

    seconds: float
    out_of_memory: bool = False

    @property
    def reason(self) -> str:
        """The sentence a failed step shows."""
        if self.out_of_memory:
            return (
                "regex gave up: it ran out of memory on this input (a repeated group such as "
                "(x)+ keeps every repetition); use a non-capturing group (?:x)+, cut a smaller "
                "frame first (until:, length:), or simplify it"
            )
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
        return cast("Found[AnyStr] | GaveUp | None", _bounded(self._run.match, timeout, data, pos))

    def fullmatch(
        self, data: AnyStr | bytearray | memoryview, pos: int = 0, *, timeout: float | None = None
    ) -> Found[AnyStr] | GaveUp | None:
        """Match all of *data* from *pos* on (like ``re.Pattern.fullmatch``)."""
        found = _bounded(self._run.fullmatch, timeout, data, pos)
        return cast("Found[AnyStr] | GaveUp | None", found)

    def partial_match(
        self, data: AnyStr | bytearray | memoryview, *, timeout: float | None = None
    ) -> tuple[Found[AnyStr] | None, bool] | GaveUp:
        """Match at the start, telling a match from data that is only a prefix of one.

        Returns ``(match, partial)``: ``partial`` True when *data* ends while a
        match is still possible (more data may decide), ``match`` None when no
        data added later could make it match.
        """
        found = _bounded(self._run.match, timeout, data, partial=True)
        if isinstance(found, GaveUp):
            return found
        if found is None:
            return None, False
        return found, bool(found.partial)

    def search(
        self, data: AnyStr | bytearray | memoryview, pos: int = 0, *, timeout: float | None = None
    ) -> Found[AnyStr] | GaveUp | None:
        """Find the first match at or after *pos* (like ``re.Pattern.search``)."""
        return cast("Found[AnyStr] | GaveUp | None", _bounded(self._run.search, timeout, data, pos))


def _bounded(call: Callable[..., Any], timeout: float | None, *args: Any, **kwargs: Any) -> Any:
    """*call* (a method of the compiled ``regex``) within *timeout* (None: the default).

    ``GaveUp`` when it ran out of time, or of memory (``regex`` keeps every
    repetition of a capturing group: ``(x)+`` over a 14 MiB line did it).
    """
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    try:
        return call(*args, timeout=limit, **kwargs)
    except TimeoutError:
        return GaveUp(limit)
    except MemoryError:
        return GaveUp(limit, out_of_memory=True)


def compile_regex(pattern: AnyStr) -> UserRegex[AnyStr]:
    """Compile a user's regex (bytes or text); raises ``re.error`` when ``re`` refuses it.

    The syntax and the messages are ``re``'s: the pattern is compiled by
    ``re`` first, so what a user can write does not depend on the engine.
    Compiled patterns are cached, as by ``re``.
    """
    return _compile(pattern)


#: The most items a regex may hold once its bounded repeats are unrolled, as ``regex``
#: unrolls them when it compiles: ``((a{1000}){1000}){1000}`` took 4 GB there.
MAX_UNROLLED = 200_000
#: The deepest nesting of groups: ``re`` parses each level with a few recursive calls,
#: and 500 levels overflowed the stack (an internal error, not a message).
MAX_GROUP_DEPTH = 100


# Cached as ``_compile`` is: a rule server checks its request regex per request, and a
# pattern is checked when validated and again when built (exceptions are not cached).
@functools.lru_cache(maxsize=_CACHE_SIZE)
def check_pattern(pattern: AnyStr) -> re.Pattern[AnyStr]:
    """``re.compile(pattern)``, with every reason to refuse it a ``re.error``.

    Besides ``re``'s own errors: groups nested more than ``MAX_GROUP_DEPTH``
    deep, a repeat count ``re`` cannot hold (its ``OverflowError``), and a
    pattern bigger than ``MAX_UNROLLED`` items once its repeats are unrolled.
    """
    depth = _group_depth(pattern if isinstance(pattern, str) else pattern.decode("latin-1"))
    if depth > MAX_GROUP_DEPTH:
        raise re.error(f"groups nested {depth} deep, more than {MAX_GROUP_DEPTH}", pattern)
    try:
        checked = re.compile(pattern)
    except OverflowError as exc:  # "the repetition number is too large"
        raise re.error(str(exc), pattern) from None
    parse: Any = sre_parse.parse  # typed for str, reads bytes patterns as well
    if _unrolled(parse(pattern, checked.flags)) > MAX_UNROLLED:
        raise re.error(
            f"too large: its repeats unrolled make more than {MAX_UNROLLED} "
            "items (nested counts such as (a{1000}){1000} multiply); use * or + for long runs",
            pattern,
        )
    return checked


def _group_depth(text: str) -> int:
    """How deep the groups of a pattern nest (escapes and character classes skipped)."""
    depth = deepest = 0
    i, n = 0, len(text)
    in_class = False
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1
            if text.startswith("^", i):
                i += 1
            if text.startswith("]", i):
                i += 1  # a "]" first in a class is a literal
            continue
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
        i += 1
    return deepest


_REPEATS = frozenset(
    getattr(sre_parse, name)
    for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
    if hasattr(sre_parse, name)
)


def _unrolled(items: Any) -> int:
    """The items of a parsed pattern with every bounded repeat written out (capped)."""
    total = 0
    for op, av in items:
        if op in _REPEATS:
            low, high, sub = av
            times = high if high != sre_parse.MAXREPEAT else low
            total += _unrolled(sub) * max(times, 1)
        elif op is sre_parse.SUBPATTERN:
            total += _unrolled(av[-1])
        elif op is sre_parse.BRANCH:
            total += sum(_unrolled(branch) for branch in av[1])
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            total += _unrolled(av[1])
        elif op is getattr(sre_parse, "ATOMIC_GROUP", None):
            total += _unrolled(av)
        elif op is sre_parse.GROUPREF_EXISTS:
            total += _unrolled(av[1]) + (_unrolled(av[2]) if av[2] is not None else 0)
        else:
            total += 1
        if total > MAX_UNROLLED:
            break  # enough to refuse it; counting on could take long
    return total


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compile(pattern: AnyStr) -> UserRegex[AnyStr]:
    checked = check_pattern(pattern)
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
