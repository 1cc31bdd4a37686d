"""How bytes are shown to people: escaped text, hex, elision of long data.

Pure functions shared by matcher descriptions and every reporter.
"""

from __future__ import annotations

_ESCAPES = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def escape_bytes(data: bytes) -> str:
    """Printable ASCII as is; ``\\n``, ``\\r``, ``\\t``, quote and backslash escaped.

    Other bytes are shown as ``\\xNN``.

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


#: Every byte that is *not* an ASCII control character (tab, newline and CR are not
#: counted as control): deleting these leaves only the controls, at C speed.
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 0x20 or b == 0x7F) or b in b"\t\n\r")


def is_printable(data: bytes) -> bool:
    """True when *data* reads as text (UTF-8, only tab/newline/CR among control characters).

    Runs at C speed (a translate and a decode): reports call it on payloads
    of many megabytes.
    """
    if data.translate(None, _NOT_CONTROL):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 byte``, ``6 bytes``: a count with its noun, English plural by ``s`` unless *many*."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {many if many is not None else word + 's'}"


def format_seconds(seconds: float) -> str:
    """Seconds with millisecond precision (``0.012s``), the unit every report uses."""
    return f"{seconds:.3f}s"


def _ascii_column(chunk: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)


def hexdump_lines(data: bytes, *, offset: int = 0, width: int = 16) -> list[str]:
    """Classic dump lines: ``00000010  68 65 6c 6c 6f 0a ...  |hello.|``.

    *offset* is the position of ``data[0]`` in the whole payload, so the tail
    of an elided payload still shows its true offsets.
    """
    lines = []
    hex_width = width * 3 - 1
    for start in range(0, len(data), width):
        chunk = data[start : start + width]
        lines.append(
            f"{offset + start:08x}  {chunk.hex(' '):<{hex_width}}  |{_ascii_column(chunk)}|"
        )
    return lines


def hexdump(data: bytes, *, limit: int = 256, width: int = 16) -> list[str]:
    """A hex dump of at most about *limit* bytes, elided in the middle with the count skipped.

    The head and tail are cut at line boundaries so offsets stay aligned.
    """
    if len(data) <= limit:
        return hexdump_lines(data, width=width)
    half = max(width, (limit // 2) // width * width)
    tail_start = len(data) - half
    # Align the tail to the dump grid so its offsets read like the head's.
    tail_start -= tail_start % width
    tail_start = max(tail_start, half)
    skipped = tail_start - half
    lines = hexdump_lines(data[:half], width=width)
    lines.append(f"... {plural(skipped, 'byte')} skipped ...")
    lines.extend(hexdump_lines(data[tail_start:], offset=tail_start, width=width))
    return lines


def escape_text(text: str) -> str:
    """Make program output safe to print: control characters other than tab become ``\\xNN``.

    Keeps the terminal (and XML) safe from escape sequences and stray
    carriage returns while leaving ordinary text, including non-ASCII, as is.
    Lone surrogates (from ``surrogateescape``) become ``\\udcNN`` so writing
    the text never fails.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        control = code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0
        surrogate = 0xD800 <= code < 0xE000
        if ch == "\t" or not (control or surrogate):
            out.append(ch)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def clip_text(text: str, limit: int = 400) -> str:
    """*text* escaped (``escape_text``) and, past *limit* characters, cut in the middle.

    For messages that quote what a user wrote: a key with an escape sequence
    must not repaint the terminal, and a multi-megabyte value must not fill
    the screen.  Both ends are kept, since messages explain after the value.
    """
    if len(text) > limit:
        keep = max(limit // 2 - 20, 1)
        cut = len(text) - 2 * keep
        text = f"{text[:keep]} ...({cut} characters cut)... {text[-keep:]}"
    return escape_text(text)


def quoted(value: object) -> str:
    """*value* as messages quote it: its repr (control characters escaped), cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
