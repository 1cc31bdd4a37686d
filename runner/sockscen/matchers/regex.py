"""``regex`` matchers, and how a scenario regex (text) becomes a pattern over bytes."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

from ..payloads import Lookup, PathKey, Payload
from ..placeholders import Template
from ..regexes import GaveUp, UserRegex, check_pattern, compile_regex
from .base import MatcherBase, MatcherContext
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch, captures


@dataclass(frozen=True, slots=True)
class Regex(MatcherBase):
    """A regular expression over bytes; named groups become variables.

    On a stream it must match at the start of the unread data (the match is
    consumed); on a frame or datagram it must match the whole message.
    ``compiled`` is set at build time when the pattern has no placeholders.
    Placeholder values are inserted escaped, i.e. matched literally.  Every
    match runs under ``regexes``' time limit: a pattern that backtracks
    catastrophically fails the step instead of freezing the runner.
    """

    pattern: Template = field(default_factory=lambda: Template("", ("",)))
    compiled: UserRegex[bytes] | None = None

    def run(self, lookup: Lookup) -> UserRegex[bytes]:
        """The pattern compiled for bounded matching, placeholder values inserted escaped."""
        if self.compiled is not None:
            return self.compiled
        return compile_regex(_pattern_bytes(self.expanded(lookup)))

    def expanded(self, lookup: Lookup) -> str:
        """The pattern's text, placeholder values inserted escaped."""
        if self.pattern.is_static:
            return self.pattern.static_value
        return self.pattern.expand(lambda ref: re.escape(lookup(ref)))

    def regex(self, lookup: Lookup) -> re.Pattern[bytes]:
        """The pattern compiled by ``re`` (unbounded: for callers that bound it themselves)."""
        return compile_pattern(self.expanded(lookup))

    def describe(self) -> str:
        """``regex /PATTERN/`` as reports show it."""
        return f"regex /{self.pattern.source}/" + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Must match at the start of the unread data."""
        if not buffer and not eof:
            return NEED_MORE
        m = self.run(lookup).match(buffer)
        if isinstance(m, GaveUp):
            return Mismatch(m.reason, len(buffer), gave_up=True)
        if m is not None:
            return Matched(m.end(), captures(m))
        if eof:
            return Mismatch(
                "the data does not match the regex and the peer closed the connection", len(buffer)
            )
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """Must match the whole message."""
        m = self.run(lookup).fullmatch(frame)
        if isinstance(m, GaveUp):
            return Mismatch(m.reason, len(frame), gave_up=True)
        if m is None:
            return Mismatch(
                "the message does not match the regex (it must match the whole message)", len(frame)
            )
        return Matched(len(frame), captures(m))


def compile_user_pattern(text: str) -> UserRegex[bytes]:
    """Compile a scenario regex for bounded matching of bytes (``re.error`` when not valid)."""
    return compile_regex(_pattern_bytes(text))


def compile_pattern(text: str) -> re.Pattern[bytes]:
    """Compile a scenario regex for matching bytes; raises ``re.error`` when it is not valid.

    A non-ASCII character stands for its UTF-8 bytes as one unit, so ``é+``
    repeats the whole character, not its last byte.  Inside a character class
    such a character cannot be one byte among others: that is a ``re.error``
    suggesting an alternation.
    """
    return check_pattern(_pattern_bytes(text))


def _pattern_bytes(text: str) -> bytes:
    if text.isascii():
        return text.encode("ascii")
    out = bytearray()
    in_class = False
    class_body = 0  # index where the class's items start: a "]" there is a literal
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            if text[i + 1].isascii():
                out += text[i : i + 2].encode("ascii")
                i += 2
                continue
            # An escaped non-ASCII character is that character, literally.
            i += 1
            ch = text[i]
        if not ch.isascii():
            data = ch.encode("utf-8", "surrogateescape")
            if len(data) == 1:
                out += data
            elif in_class:
                raise re.error(
                    f"the character class holds {ch!r}, which is {len(data)} bytes in UTF-8 "
                    "(regexes match bytes); write an alternation such as (?:é|è) instead",
                    text,
                    i,
                )
            else:
                out += b"(?:" + data + b")"
        elif in_class:
            if ch == "]" and i > class_body:
                in_class = False
            out += ch.encode("ascii")
        else:
            if ch == "[":
                in_class = True
                class_body = i + 2 if text.startswith("^", i + 1) else i + 1
            out += ch.encode("ascii")
        i += 1
    return bytes(out)


def check_regex(ctx: MatcherContext, text: str, at: PathKey) -> Template:
    """*text* as a template whose pattern compiles (else a problem is recorded)."""
    tpl = ctx.template(text, at)
    # Placeholder values are inserted escaped, so any literal stands in for them here.
    candidate = tpl.expand(lambda ref: "x") if not tpl.is_static else tpl.static_value
    try:
        compile_pattern(candidate)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        ctx.problem(at, f"invalid regex: {exc.msg}{where}")
    return tpl


def build(ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None) -> Regex:
    """``{regex: PATTERN}``, compiled now when it has no placeholders."""
    pattern = check_regex(ctx, value["regex"], (*at, "regex"))
    compiled = None
    if pattern.is_static:
        with contextlib.suppress(re.error):  # reported by check_regex
            compiled = compile_user_pattern(pattern.static_value)
    return Regex(until=until, pattern=pattern, compiled=compiled)
