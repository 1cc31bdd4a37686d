"""Patterns: hex patterns (``??``, ``??*N``, ``(NAME:N)``) and list matchers that mix forms.

``{hex: "81 01 ?? ?? (cas:8) 00*4"}`` is a sequence of tokens: fixed bytes,
any N bytes, N bytes captured as hex digits.  A list matcher may mix exact
parts, hex patterns, ``{regex: R}`` (matched at that position) and
``{length: N}`` (any N bytes).  Both are one ``Pattern``: its segments are
read left to right over the data, each from where the previous one ended.
Without ``??``, a capture, a regex or a length part a list or a hex text is
plain ``Exact`` bytes (v1), which keeps v1's messages and its speed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..payloads import Lookup, PathKey, Payload
from ..payloads.hexdigits import (
    AnyBytes,
    HexCapture,
    HexToken,
    check_template,
    expand_hex,
    is_pattern,
    parse_hex,
)
from ..placeholders import Template
from ..regexes import GaveUp
from ..rendering import quote_bytes
from .base import MatcherBase, MatcherContext
from .exact import Exact
from .length import Length, build_length
from .outcomes import NEED_MORE, Matched, MatchOutcome, Mismatch, captures
from .regex import Regex
from .regex import build as build_regex

_PLACEHOLDER = re.compile(r"\$\$\{|\$\{[^}]*\}")

Token = HexToken | Regex


@dataclass(frozen=True, slots=True)
class HexSegment:
    """A hex pattern: ``tokens`` when fixed at build time, else ``text`` read when it runs."""

    text: Template
    tokens: tuple[HexToken, ...] | None = None

    def expand(self, lookup: Lookup) -> tuple[HexToken, ...]:
        """The tokens, placeholders expanded."""
        return self.tokens if self.tokens is not None else expand_hex(self.text, lookup)


Segment = Payload | HexSegment | Regex | Length


@dataclass(frozen=True, slots=True)
class Pattern(MatcherBase):
    """Segments read left to right; ``source`` is how reports show the pattern."""

    segments: tuple[Segment, ...] = ()
    source: str = ""

    def describe(self) -> str:
        """``pattern SOURCE`` as reports show it."""
        return f"pattern {self.source}" + self._until_text()

    def tokens(self, lookup: Lookup) -> list[Token]:
        """Every segment as tokens, placeholders expanded."""
        out: list[Token] = []
        for seg in self.segments:
            if isinstance(seg, Payload):
                out.append(seg.render(lookup))
            elif isinstance(seg, HexSegment):
                out.extend(seg.expand(lookup))
            elif isinstance(seg, Length):
                out.append(AnyBytes(seg.count(lookup)))
            else:
                out.append(seg)
        return out

    def match_stream(
        self, buffer: bytes | bytearray, eof: bool, lookup: Lookup, checked: int = 0
    ) -> MatchOutcome:
        """Reads the segments from the start of the unread data; fails at a wrong fixed byte."""
        return self._scan(buffer, lookup, "the peer closed the connection" if eof else None)

    def check_frame(self, frame: bytes, lookup: Lookup) -> Matched | Mismatch:
        """The segments must take the whole frame."""
        verdict = self._scan(frame, lookup, "the message ends")
        if isinstance(verdict, Mismatch):
            return verdict
        assert isinstance(verdict, Matched)  # a frame has ended: nothing more can come
        if verdict.consumed != len(frame):
            extra = len(frame) - verdict.consumed
            return Mismatch(f"{extra} more bytes than the pattern takes", len(frame))
        return verdict

    def _scan(self, data: bytes | bytearray, lookup: Lookup, ended: str | None) -> MatchOutcome:
        """Match the tokens at the start of *data*; *ended* says why no more data will come."""
        pos = 0
        got: dict[str, str] = {}
        for tok in self.tokens(lookup):
            if isinstance(tok, Regex):
                found = tok.run(lookup).match(data, pos)
                if isinstance(found, GaveUp):
                    return Mismatch(found.reason, len(data), gave_up=True)
                if found is None:
                    if ended is None:
                        return NEED_MORE
                    return Mismatch(
                        f"the data at offset {pos} does not match {tok.describe()}", len(data)
                    )
                got.update(captures(found))
                pos = found.end()
                continue
            want = len(tok) if isinstance(tok, bytes) else tok.count
            if isinstance(tok, bytes):
                have = data[pos : pos + want]
                if have != tok[: len(have)]:
                    diff = next(i for i in range(len(have)) if have[i] != tok[i])
                    return Mismatch(
                        f"different bytes at offset {pos + diff}", min(len(data), pos + want)
                    )
            if len(data) - pos < want:
                if ended is None:
                    return NEED_MORE
                return Mismatch(
                    f"{ended} after {len(data)} bytes; the pattern needs at least {pos + want}",
                    len(data),
                )
            if isinstance(tok, HexCapture):
                got[tok.name] = bytes(data[pos : pos + want]).hex()
            pos += want
        return Matched(pos, got)


def _has_pattern(text: str) -> bool:
    """True when hex text (placeholders aside) holds ``??`` or a capture."""
    literal = _PLACEHOLDER.sub("", text)
    return "?" in literal or "(" in literal


def _is_pattern_part(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    if "regex" in item or "length" in item:
        return True
    return isinstance(item.get("hex"), str) and _has_pattern(item["hex"])


def _hex_segment(ctx: MatcherContext, text: str, at: PathKey) -> HexSegment | None:
    tpl = ctx.template(text, at)
    if not check_template(ctx, tpl, at, matcher=True):
        return None
    return HexSegment(tpl, parse_hex(tpl.static_value) if tpl.is_static else None)


def build_hex(
    ctx: MatcherContext, value: dict[str, Any], at: PathKey, until: Payload | None
) -> Exact | Pattern:
    """``{hex: ...}``: exact bytes, or a pattern when it holds ``??`` or a capture."""
    if not _has_pattern(value["hex"]):
        return Exact(until=until, payload=ctx.payload({"hex": value["hex"]}, at))
    seg = _hex_segment(ctx, value["hex"], (*at, "hex"))
    if seg is None:
        return Pattern(until=until, source=f"hex {value['hex']!r}")
    if seg.tokens is not None and not is_pattern(seg.tokens):  # pragma: no cover - _has_pattern
        return Exact(until=until, payload=ctx.payload({"hex": value["hex"]}, at))
    return Pattern(until=until, segments=(seg,), source=f"hex {value['hex']!r}")


def build_list(ctx: MatcherContext, items: list[Any], at: PathKey) -> Exact | Pattern:
    """A list matcher: exact bytes (v1) unless a part is a pattern, a regex or a length."""
    if not any(_is_pattern_part(item) for item in items):
        return Exact(payload=ctx.payload(items, at))
    segments: list[Segment] = []
    shown: list[str] = []
    for i, item in enumerate(items):
        where = (*at, i)
        if isinstance(item, dict) and "regex" in item:
            segments.append(build_regex(ctx, item, where, None))
            shown.append(f"regex /{item['regex']}/")
        elif isinstance(item, dict) and "length" in item:
            segments.append(build_length(ctx, item["length"], (*where, "length")))
            shown.append(f"{item['length']} bytes")
        elif _is_pattern_part(item):
            seg = _hex_segment(ctx, item["hex"], (*where, "hex"))
            if seg is not None:
                segments.append(seg)
            shown.append(f"hex {item['hex']!r}")
        else:
            payload = ctx.payload(item, where)
            segments.append(payload)
            shown.append(quote_bytes(payload.static) if payload.static is not None else "<payload>")
    return Pattern(segments=tuple(segments), source="[" + ", ".join(shown) + "]")
