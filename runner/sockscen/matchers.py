"""Matchers: what an ``expect`` consumes and what it checks.

Two entry points, both pure:

* ``match_stream(buffer, eof, lookup)`` for an unframed byte stream: says how
  many bytes of the unread *buffer* the expectation takes, that it needs more
  data, or that it can already tell the data is wrong (an exact match fails
  at the first differing byte instead of waiting for its timeout).
* ``check_frame(frame, lookup)`` for one whole message: a frame cut by the
  connection's framing or by the matcher's own ``until`` delimiter, or one
  datagram.

Every matcher may carry ``until``: on an unframed stream the engine then
cuts a frame at that delimiter and calls ``check_frame`` on the part before it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .payloads import Lookup, Payload
from .placeholders import Template
from .rendering import plural, quote_bytes


@dataclass(frozen=True, slots=True)
class Matched:
    """The expectation is met by the first ``consumed`` bytes.

    ``captures`` are the regex named groups that matched, decoded as UTF-8 with
    surrogateescape so any bytes round-trip through a later payload.
    """

    consumed: int
    captures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NeedMore:
    """Not decided yet: wait for more data (or EOF)."""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """The data does not meet the expectation.

    ``reason`` is a short sentence; ``shown`` how many bytes of the buffer are
    the evidence (for a frame check, the whole frame).
    """

    reason: str
    shown: int


NEED_MORE = NeedMore()
MatchOutcome = Matched | NeedMore | Mismatch


def _captures(m: re.Match[bytes]) -> dict[str, str]:
    return {
        k: v.decode("utf-8", "surrogateescape") for k, v in m.groupdict().items() if v is not None
    }


@dataclass(frozen=True, slots=True)
class MatcherBase:
    """Fields every matcher has: ``until`` cuts a frame on an unframed stream."""

    until: Payload | None = None

    @property
    def needs_frame(self) -> bool:
        """True when the matcher can only judge a whole message (``contains``, ``json``)."""
        return False

    def size(self, lookup: Lookup) -> int | None:
        """How many bytes the matcher takes from an unframed stream, when that is fixed."""
        return None

    def delimiter(self, lookup: Lookup) -> bytes | None:
        return None if self.until is None else self.until.render(lookup)

    def _until_text(self) -> str:
        if self.until is None or self.until.static is None:
            return "" if self.until is None else " until <delimiter>"
        return f" until {quote_bytes(self.until.static)}"


@dataclass(frozen=True, slots=True)
class Exact(MatcherBase):
    """Exactly these bytes (text, hex, base64, file or a list of them)."""

    payload: Payload = field(default_factory=lambda: Payload(()))

    def expected(self, lookup: Lookup) -> bytes:
        return self.payload.render(lookup)

    def size(self, lookup: Lookup) -> int | None:
        return len(self.payload.render(lookup))

    def describe(self) -> str:
        shown = quote_bytes(self.payload.static) if self.payload.static is not None else "<payload>"
        return shown + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        want = self.payload.render(lookup)
        if buffer.startswith(want):  # the common case, without copying or slicing
            return Matched(len(want))
        n = len(want)
        if not buffer:  # the other common case: nothing has arrived yet
            if eof:
                return Mismatch(f"the peer closed the connection after 0 of {n} expected bytes", 0)
            return NEED_MORE
        have = min(len(buffer), n)
        # Bytes before *checked* were compared on an earlier call: comparing only
        # the new ones keeps a multi-megabyte expectation linear, not quadratic.
        start = min(checked, have)
        if memoryview(buffer)[start:have] != want[start:have]:
            first_diff = next(i for i in range(start, have) if buffer[i] != want[i])
            return Mismatch(f"different bytes at offset {first_diff}", min(len(buffer), max(n, 1)))
        if have == n:
            return Matched(n)
        if eof:
            return Mismatch(
                f"the peer closed the connection after {have} of {n} expected bytes", have
            )
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        want = self.payload.render(lookup)
        if frame == want:
            return Matched(len(frame))
        if len(frame) != len(want) and (frame.startswith(want) or want.startswith(frame)):
            return Mismatch(
                f"received {plural(len(frame), 'byte')}, expected {len(want)}", len(frame)
            )
        return Mismatch("different bytes", len(frame))


@dataclass(frozen=True, slots=True)
class Regex(MatcherBase):
    """A regular expression over bytes; named groups become variables.

    On a stream it must match at the start of the unread data (the match is
    consumed); on a frame or datagram it must match the whole message.
    ``compiled`` is set at build time when the pattern has no placeholders.
    Placeholder values are inserted escaped, i.e. matched literally.
    """

    pattern: Template = field(default_factory=lambda: Template("", ("",)))
    compiled: re.Pattern[bytes] | None = None

    def regex(self, lookup: Lookup) -> re.Pattern[bytes]:
        if self.compiled is not None:
            return self.compiled
        text = self.pattern.expand(lambda ref: re.escape(lookup(ref)))
        return compile_pattern(text)

    def describe(self) -> str:
        return f"regex /{self.pattern.source}/" + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        if not buffer and not eof:
            return NEED_MORE
        m = self.regex(lookup).match(buffer)
        if m is not None:
            return Matched(m.end(), _captures(m))
        if eof:
            return Mismatch(
                "the data does not match the regex and the peer closed the connection", len(buffer)
            )
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        m = self.regex(lookup).fullmatch(frame)
        if m is None:
            return Mismatch(
                "the message does not match the regex (it must match the whole message)", len(frame)
            )
        return Matched(len(frame), _captures(m))


def compile_pattern(text: str) -> re.Pattern[bytes]:
    """Compile a scenario regex for matching bytes; raises ``re.error`` when it is not valid.

    A non-ASCII character stands for its UTF-8 bytes as one unit, so ``é+``
    repeats the whole character, not its last byte.  Inside a character class
    such a character cannot be one byte among others: that is a ``re.error``
    suggesting an alternation.
    """
    return re.compile(_pattern_bytes(text))


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


@dataclass(frozen=True, slots=True)
class Length(MatcherBase):
    """Any ``length`` bytes (on a frame: a frame of exactly that length)."""

    length: int = 0

    def describe(self) -> str:
        return f"{self.length} bytes" + self._until_text()

    def size(self, lookup: Lookup) -> int | None:
        return self.length

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        if len(buffer) >= self.length:
            return Matched(self.length)
        if eof:
            return Mismatch(
                f"the peer closed the connection after {len(buffer)} of {self.length} bytes",
                len(buffer),
            )
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        if len(frame) == self.length:
            return Matched(len(frame))
        return Mismatch(
            f"received a {len(frame)}-byte message, expected {self.length} bytes", len(frame)
        )


@dataclass(frozen=True, slots=True)
class Contains(MatcherBase):
    """One message in which ``needle`` occurs."""

    needle: Payload = field(default_factory=lambda: Payload(()))

    @property
    def needs_frame(self) -> bool:
        return True

    def describe(self) -> str:
        shown = quote_bytes(self.needle.static) if self.needle.static is not None else "<payload>"
        return f"a message containing {shown}" + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        return Mismatch("'contains' needs framing or 'until' on a stream", 0)

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        needle = self.needle.render(lookup)
        if needle in frame:
            return Matched(len(frame))
        return Mismatch(f"the message does not contain {quote_bytes(needle)}", len(frame))


@dataclass(frozen=True, slots=True)
class JsonSubset(MatcherBase):
    """One message that parses as JSON and of which ``value`` is a subset.

    Objects: every expected key is present with a matching value (extra keys
    allowed).  Arrays: same length, each element matching.  Scalars: equal
    (``1 == 1.0``, but ``true`` is not ``1``).  Strings may hold placeholders.
    """

    value: Any = None

    @property
    def needs_frame(self) -> bool:
        return True

    def describe(self) -> str:
        return (
            f"JSON containing {json.dumps(_plain(self.value), separators=(',', ':'))}"
            + self._until_text()
        )

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        return Mismatch("'json' needs framing or 'until' on a stream", 0)

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        try:
            actual = json.loads(frame.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return Mismatch(f"the message is not JSON ({exc})", len(frame))
        where = json_subset_difference(_expand(self.value, lookup), actual, "$")
        if where is not None:
            return Mismatch(where, len(frame))
        return Matched(len(frame))


@dataclass(frozen=True, slots=True)
class AnyData(MatcherBase):
    """Anything: one frame, one datagram, or whatever is available (at least one byte)."""

    def describe(self) -> str:
        return "any data" + self._until_text()

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        if buffer:
            return Matched(len(buffer))
        if eof:
            return Mismatch("the peer closed the connection before sending anything", 0)
        return NEED_MORE

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        return Matched(len(frame))


Matcher = Exact | Regex | Length | Contains | JsonSubset | AnyData


def _expand(value: Any, lookup: Lookup) -> Any:
    if isinstance(value, Template):
        return value.expand(lookup)
    if isinstance(value, dict):
        return {k: _expand(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, lookup) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Template):
        return value.source
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def json_subset_difference(expected: Any, actual: Any, path: str) -> str | None:
    """None when *expected* is a subset of *actual*, else a sentence naming the first difference."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"at {path}: expected an object, got {json.dumps(actual)[:80]}"
        for key, want in expected.items():
            if key not in actual:
                return f"at {path}: key {key!r} is missing"
            diff = json_subset_difference(want, actual[key], f"{path}.{key}")
            if diff is not None:
                return diff
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"at {path}: expected an array, got {json.dumps(actual)[:80]}"
        if len(expected) != len(actual):
            return f"at {path}: expected {len(expected)} elements, got {len(actual)}"
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            diff = json_subset_difference(want, got, f"{path}[{i}]")
            if diff is not None:
                return diff
        return None
    same_kind = isinstance(expected, bool) == isinstance(actual, bool)
    # Python's json reads NaN; a NaN is expected to match a NaN.
    both_nan = (
        isinstance(expected, float)
        and isinstance(actual, float)
        and expected != expected
        and actual != actual
    )
    if (
        not same_kind
        or (expected != actual and not both_nan)
        or (expected is None) != (actual is None)
    ):
        return f"at {path}: expected {json.dumps(expected)}, got {json.dumps(actual)[:80]}"
    return None
