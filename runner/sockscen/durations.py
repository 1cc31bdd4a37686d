"""Durations as scenario files write them: ``250ms``, ``2s``, ``1.5s``, ``1m`` or seconds."""

from __future__ import annotations

import math
import re

from .rendering import quoted

# Accepts a sign so "-1s" gets the "must be >= 0" message instead of "not a duration".
# No two runs of ``\s*`` may meet without something required between them: with
# ``\s*(ms|s|m|h)?\s*`` a value such as "1<80,000 spaces>x" backtracks quadratically
# (28 s); making the sign and the unit groups carry their own spaces keeps matching linear.
_DURATION = re.compile(r"^\s*(?:(-)\s*)?(\d+(?:\.\d*)?|\.\d+)(?:\s*(ms|s|m|h))?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}

#: The pattern the JSON Schema uses for duration strings: ``_DURATION`` without the sign,
#: since a negative duration is never valid.
DURATION_PATTERN = r"^\s*(\d+(\.\d*)?|\.\d+)(\s*(ms|s|m|h))?\s*$"


def parse_duration(value: object) -> float:
    """Return *value* in seconds.

    Raises ``ValueError`` with a message fit for a user when *value* is not a
    non-negative finite number or a string such as ``250ms``/``2s``/``1m``.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 2s or 250ms, got {quoted(value)}")
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:  # an int too large for a float
            seconds = math.inf
    elif isinstance(value, str):
        m = _DURATION.match(value)
        if m is None:
            raise ValueError(
                f"{quoted(value)} is not a duration: write a number of seconds or use a unit "
                "(250ms, 2s, 1.5s, 1m)"
            )
        if m.group(1):
            raise ValueError(
                f"a duration must be a finite number of seconds >= 0, got {quoted(value)}"
            )
        seconds = float(m.group(2)) * _UNIT_SECONDS[m.group(3)]
    else:
        raise ValueError(f"expected a duration such as 2s or 250ms, got {quoted(value)}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite number of seconds >= 0, got {quoted(value)}")
    return seconds


def format_duration(seconds: float) -> str:
    """Short human form: ``250ms``, ``1.5s``, ``2m``, ``2m3s``.

    Rounding never yields ``1000ms``, ``60s`` or ``1m60s``: a value that rounds
    up to the next unit is written in that unit.  Forms without ``m...s`` read
    back with ``parse_duration``.
    """
    if not math.isfinite(seconds):
        return str(seconds)
    if abs(seconds) < 0.9995:
        return f"{seconds * 1000:.0f}ms"
    shown = f"{seconds:.3g}"
    if abs(float(shown)) < 60:
        return shown + "s"
    sign = "-" if seconds < 0 else ""
    minutes, rest = divmod(round(abs(seconds)), 60)
    return f"{sign}{minutes}m{rest}s" if rest else f"{sign}{minutes}m"
