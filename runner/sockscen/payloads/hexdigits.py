"""``hex:`` parts: bytes written as hex digit pairs, and the hex pattern syntax they share.

The text is read as tokens, whitespace ignored: ``XX`` one byte, ``XX*N`` that
byte N times.  Matchers add ``??`` (any byte), ``??*N`` (any N bytes) and
``(NAME:N)`` (any N bytes captured into ``${NAME}`` as hex digits); in a
payload those are a validation error, since a payload's bytes must be known.
Placeholders are expanded before the text is read; each value must be hex
digits (a captured hex value is), else the step fails naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..placeholders import PlaceholderError, Ref, Template
from .base import BytesPart, Lookup, PartContext, PathKey, expand_naming

#: The most bytes one ``XX*N`` / ``??*N`` may stand for (as for a ``file:`` part).
MAX_REPEAT = 256 * 1024 * 1024
_HEX = frozenset("0123456789abcdefABCDEF")
#: A character a placeholder's value may not hold inside hex (searched in C: values are megabytes).
_NOT_HEX = re.compile(r"[^0-9a-fA-F\s]")
#: ``(NAME:N)``: N bytes captured into ``${NAME}``.
_CAPTURE = r"\((?P<name>[A-Za-z_][A-Za-z0-9_\-]*):(?P<size>[0-9]+)\)"
_TOKEN = re.compile(
    r"\s*(?:(?P<byte>[0-9a-fA-F]{2})|(?P<any>\?\?)|" + _CAPTURE + r")(?:\*(?P<times>[0-9]+))?"
)
_CAPTURES = re.compile(_CAPTURE)


class HexSyntaxError(ValueError):
    """Hex text that cannot be read; the message is the sentence users see."""


@dataclass(frozen=True, slots=True)
class AnyBytes:
    """``??`` or ``??*N``: any ``count`` bytes."""

    count: int


@dataclass(frozen=True, slots=True)
class HexCapture:
    """``(NAME:N)``: any ``count`` bytes, captured into ``${name}`` as hex digits."""

    name: str
    count: int


HexToken = bytes | AnyBytes | HexCapture


def parse_hex(text: str) -> tuple[HexToken, ...]:
    """The tokens of hex text; runs of fixed bytes are joined into one ``bytes`` token.

    Raises ``HexSyntaxError`` for anything but the syntax above.
    """
    tokens: list[HexToken] = []
    fixed = bytearray()
    made = 0  # fixed bytes so far: checked before each repeat is made, not after
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise HexSyntaxError(_bad_at(text, pos))
        pos = m.end()
        times = _number(m["times"]) if m["times"] is not None else 1
        if m["times"] is not None and not 1 <= times <= MAX_REPEAT:
            raise HexSyntaxError(f"a repeat *{m['times']} must be between 1 and {MAX_REPEAT}")
        if m["byte"] is not None:
            made += times
            if made > MAX_REPEAT:
                raise HexSyntaxError(_TOO_MANY_BYTES)
            fixed += bytes.fromhex(m["byte"]) * times
            continue
        if fixed:
            tokens.append(bytes(fixed))
            fixed = bytearray()
        if m["any"] is not None:
            tokens.append(AnyBytes(times))
        else:
            if m["times"] is not None:
                raise HexSyntaxError(f"a capture ({m['name']}:{m['size']}) cannot be repeated")
            size = _number(m["size"])
            if not 1 <= size <= MAX_REPEAT:
                raise HexSyntaxError(
                    f"a capture ({m['name']}:{m['size']}) must take between 1 and "
                    f"{MAX_REPEAT} bytes"
                )
            tokens.append(HexCapture(m["name"], size))
    if fixed or not tokens:
        tokens.append(bytes(fixed))
    return tuple(tokens)


_TOO_MANY_BYTES = (
    f"this hex stands for more than {MAX_REPEAT} bytes ({MAX_REPEAT // (1024 * 1024)} MiB); "
    "send large data from a file: payload"
)

#: ``${...}`` (and ``$${``) in hex text, left out when sizing it before placeholders have values.
_PLACEHOLDER = re.compile(r"\$\$\{|\$\{[^}]*\}")


def _number(digits: str) -> int:
    """*digits* as a number; a run too long for ``int`` (4,300 digits) is just too large."""
    return int(digits) if len(digits) <= 12 else MAX_REPEAT + 1


def fixed_size(text: str) -> int:
    """How many fixed bytes hex *text* stands for (``XX*N`` counts N), without making them.

    Placeholders count for nothing; the count stops where the text stops being
    readable (building it reports that).
    """
    text = _PLACEHOLDER.sub(" ", text)
    total = 0
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            break
        pos = m.end()
        if m["byte"] is not None:
            total += _number(m["times"]) if m["times"] is not None else 1
    return total


def _bad_at(text: str, pos: int) -> str:
    """The message for the unreadable text at *pos*, worded as v1 worded a bad digit."""
    count = len("".join(text[:pos].split()))
    rest = text[pos:].lstrip()
    for k, ch in enumerate(rest[:2]):
        if ch in "?(*):":
            return (
                f"cannot read {rest[:12]!r} (hex digit {count + k + 1}): "
                "write ??, ??*N, XX*N or (NAME:N)"
            )
        if ch not in _HEX:
            return (
                f"not hex: {ch!r} (hex digit {count + k + 1}); use 0-9 and a-f, spaces are ignored"
            )
    digits = "".join(text.split())
    if all(c in _HEX for c in digits):
        return f"hex digits come in pairs, but there are {len(digits)}"
    return f"a hex digit stands alone at hex digit {count + 1}: digits come in pairs"


def capture_names(text: str) -> list[str]:
    """The NAME of every ``(NAME:N)`` in hex *text*, read without checking the rest of it."""
    return [m["name"] for m in _CAPTURES.finditer(text)]


def is_pattern(tokens: tuple[HexToken, ...]) -> bool:
    """True when the tokens hold ``??`` or a capture (only a matcher can use them)."""
    return any(not isinstance(t, bytes) for t in tokens)


@dataclass(frozen=True, slots=True)
class HexPart:
    """Hex text with placeholders, read when the step runs."""

    text: Template

    @property
    def is_static(self) -> bool:
        """Never: the text has placeholders."""
        return False

    def render(self, lookup: Lookup) -> bytes:
        """The bytes, placeholders expanded; ``PlaceholderError`` names a bad value."""
        tokens = expand_hex(self.text, lookup)
        if is_pattern(tokens):
            raise PlaceholderError(
                f"hex {self.text.source!r} expanded to a pattern (?? or a capture), "
                "which a payload cannot send"
            )
        return b"".join(t for t in tokens if isinstance(t, bytes))


def expand_hex(text: Template, lookup: Lookup) -> tuple[HexToken, ...]:
    """The tokens of *text* with its placeholders expanded, each value checked to be hex."""

    def checked(ref: Ref) -> str:
        value = lookup(ref)
        if _NOT_HEX.search(value) is not None:
            raise PlaceholderError(
                f"{ref.text} is {value!r} inside hex: it must be hex digits "
                "(a value captured by a hex pattern is)"
            )
        return value

    expanded = expand_naming(text, checked)
    try:
        return parse_hex(expanded.text)
    except HexSyntaxError as exc:
        raise PlaceholderError(
            f"hex with {expanded.named} expands to {expanded.text!r}: {exc}"
        ) from None


def check_template(ctx: PartContext, tpl: Template, at: PathKey, *, matcher: bool) -> bool:
    """Check what can be checked before run time; False (with a problem) when it is wrong."""
    if tpl.is_static:
        try:
            tokens = parse_hex(tpl.static_value)
        except HexSyntaxError as exc:
            ctx.problem(at, str(exc))
            return False
        if not matcher and is_pattern(tokens):
            ctx.problem(at, *_PATTERN_IN_PAYLOAD)
            return False
        return True
    literal = "".join(p for p in tpl.parts if isinstance(p, str))
    if not matcher and ("?" in literal or "(" in literal):
        ctx.problem(at, *_PATTERN_IN_PAYLOAD)
        return False
    bad = next(
        (c for c in literal if c not in _HEX and not c.isspace() and c not in "*0123456789?():_"),
        None,
    )
    if bad is not None:
        ctx.problem(at, f"not hex: {bad!r}; use 0-9 and a-f, spaces are ignored")
        return False
    return True


_PATTERN_IN_PAYLOAD = (
    "?? and (NAME:N) match unknown bytes, so they only work in an expect: "
    "a payload's bytes must be known",
    "write the bytes, or XX*N to repeat one",
)


def build(ctx: PartContext, value: dict[str, Any], at: PathKey) -> BytesPart | HexPart | None:
    """The bytes of ``{hex: ...}`` (placeholders are read when the step runs)."""
    at = (*at, "hex")
    tpl = ctx.template(value["hex"], at)
    if not check_template(ctx, tpl, at, matcher=False):
        return None
    if not tpl.is_static:
        return HexPart(tpl)
    tokens = parse_hex(tpl.static_value)
    return BytesPart(b"".join(t for t in tokens if isinstance(t, bytes)), "hex")
