"""How bytes are shown to people: escaped text, hex, elision of long data.

Pure functions shared by matcher descriptions and every reporter.
"""

from __future__ import annotations

_ESCAPES = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def escape_bytes(data: bytes) -> str:
    """Printable ASCII as is; ``\\n``, ``\\r``, ``\\t``, quote and backslash escaped; other bytes as ``\\xNN``.

    Valid UTF-8 non-ASCII text is kept readable (``é`` stays ``é``).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        out = []
        for ch in text:
            code = ord(ch)
            if code in _ESCAPES:
                out.append(_ESCAPES[code])
            elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
                out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
            else:
                out.append(ch)
        return "".join(out)
    out = []
    for b in data:
        if b in _ESCAPES:
            out.append(_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def quote_bytes(data: bytes, limit: int = 200) -> str:
    """``"escaped text"``, elided in the middle when longer than *limit* bytes."""
    if len(data) <= limit:
        return f'"{escape_bytes(data)}"'
    head = limit * 2 // 3
    tail = limit - head
    skipped = len(data) - head - tail
    return f'"{escape_bytes(data[:head])}" ...({skipped} bytes)... "{escape_bytes(data[-tail:])}"'


def hex_bytes(data: bytes, limit: int = 64) -> str:
    """Space-separated hex of at most *limit* bytes, with ``...`` when elided."""
    shown = data[:limit].hex(" ")
    return shown + (f" ... (+{len(data) - limit} bytes)" if len(data) > limit else "")


def is_printable(data: bytes) -> bool:
    """True when *data* reads as text (UTF-8, only tab/newline/CR among control characters)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch in "\t\n\r" or (ord(ch) >= 0x20 and ord(ch) != 0x7F) for ch in text)
