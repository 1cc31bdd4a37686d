"""Durations as scenario files write them: ``250ms``, ``2s``, ``1.5s``, ``1m`` or a number of seconds."""

from __future__ import annotations

import math
import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}

#: The pattern the JSON Schema uses for duration strings (kept in step with ``_DURATION``).
DURATION_PATTERN = r"^\s*(\d+(\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$"


def parse_duration(value: object) -> float:
    """Return *value* in seconds.

    Raises ``ValueError`` with a message fit for a user when *value* is not a
    non-negative finite number or a string such as ``250ms``/``2s``/``1m``.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 2s or 250ms, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        m = _DURATION.match(value)
        if m is None:
            raise ValueError(
                f"{value!r} is not a duration: write a number of seconds or use a unit "
                "(250ms, 2s, 1.5s, 1m)"
            )
        seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    else:
        raise ValueError(f"expected a duration such as 2s or 250ms, got {value!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite number of seconds >= 0, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """Short human form: ``250ms``, ``1.5s``, ``2m3s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s"
