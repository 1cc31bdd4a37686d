"""Durations: ``parse_duration`` (scenario files) and ``format_duration`` (reports)."""

from __future__ import annotations

import contextlib
import math
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.durations import DURATION_PATTERN, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1.5s", 1.5),
        ("250ms", 0.25),
        ("2s", 2.0),
        ("1m", 60.0),
        ("1h", 3600.0),
        ("0", 0.0),
        ("0s", 0.0),
        ("3", 3.0),
        (".5", 0.5),
        ("1.", 1.0),
        (" 2 s ", 2.0),
        ("1.5m", 90.0),
    ],
)
def test_strings_with_and_without_unit(text: str, seconds: float) -> None:
    """A number with an optional unit ms/s/m/h is read as seconds; blanks around it are allowed."""
    assert seconds == parse_duration(text)


@pytest.mark.parametrize(("value", "seconds"), [(0, 0.0), (3, 3.0), (0.25, 0.25), (2.5, 2.5)])
def test_numbers_are_seconds(value: float, seconds: float) -> None:
    """A YAML number is a number of seconds, returned as a float."""
    result = parse_duration(value)
    assert seconds == result
    assert isinstance(result, float)


@pytest.mark.parametrize("value", [-1, -0.5, "-1s", "-0s", "- 250ms"])
def test_negative_durations_are_refused(value: object) -> None:
    """A negative number or a string with a minus sign says a duration must be >= 0."""
    with pytest.raises(ValueError, match="must be a finite number of seconds >= 0") as info:
        parse_duration(value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("value", [math.inf, math.nan, 10**400, "9" * 400])
def test_infinite_and_huge_durations_are_refused(value: object) -> None:
    """Infinity, NaN and numbers too big for a float are not durations (no OverflowError)."""
    with pytest.raises(ValueError, match="finite number of seconds >= 0"):
        parse_duration(value)


@pytest.mark.parametrize("text", ["abc", "", "2 sec", "1e3", "2S", "1m30s", "s", "ms"])
def test_unreadable_strings_name_the_accepted_forms(text: str) -> None:
    """A string that is not a number with a unit says so and shows the forms to use."""
    with pytest.raises(ValueError, match="is not a duration") as info:
        parse_duration(text)
    expected = (
        f"{text!r} is not a duration: write a number of seconds or use a unit (250ms, 2s, 1.5s, 1m)"
    )
    assert expected == str(info.value)


@pytest.mark.parametrize("value", [True, False, None, [1], {"s": 1}])
def test_other_types_are_refused(value: object) -> None:
    """Booleans (YAML ``yes``/``true``) and non-scalars are not durations."""
    with pytest.raises(ValueError, match="expected a duration") as info:
        parse_duration(value)
    assert f"expected a duration such as 2s or 250ms, got {value!r}" == str(info.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0ms"),
        (0.0004, "0ms"),
        (0.25, "250ms"),
        (0.9996, "1s"),
        (1, "1s"),
        (1.5, "1.5s"),
        (12.345, "12.3s"),
        (59.96, "1m"),
        (60, "1m"),
        (61, "1m1s"),
        (119.6, "2m"),
        (123, "2m3s"),
        (3600, "60m"),
        (-0.5, "-500ms"),
        (-90, "-1m30s"),
        (math.inf, "inf"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    """Reports show short forms; rounding never gives 1000ms, 60s or 1m60s."""
    assert text == format_duration(seconds)


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["", "s", "ms", "m", "h"]))
def test_parse_formatted_integers(number: int, unit: str) -> None:
    """Any non-negative integer written with any unit reads back exactly."""
    factor = {"": 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "h": 3600.0}[unit]
    assert number * factor == parse_duration(f"{number}{unit}")


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_parse_repr_of_any_float(number: float) -> None:
    """A non-negative float, as a number or as its decimal text with ``s``, reads back unchanged."""
    text = f"{number:f}"
    assert number == parse_duration(number)
    assert float(text) == parse_duration(text + "s")


@given(st.floats(min_value=0, max_value=3600, allow_nan=False))
def test_format_then_parse_is_close(seconds: float) -> None:
    """Whenever ``format_duration`` gives a single-unit form it reads back within its rounding."""
    text = format_duration(seconds)
    back: float
    if re.fullmatch(r"\d+m\d+s", text):
        minutes, rest = text[:-1].split("m")
        back = int(minutes) * 60 + int(rest)
    else:
        back = parse_duration(text)
    assert abs(back - seconds) <= max(0.0005, seconds * 0.005) + 0.5 * (seconds >= 60)


@given(st.text(alphabet="0123456789.mshx -", max_size=8))
def test_schema_pattern_agrees_with_parser(text: str) -> None:
    """``DURATION_PATTERN`` (the JSON Schema's) accepts exactly what ``parse_duration`` does."""
    try:
        parse_duration(text)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == (re.match(DURATION_PATTERN, text) is not None)


@pytest.mark.parametrize(
    "text",
    ["1" + " " * 80_000 + "x", " " * 80_000 + "x", "-" + " " * 80_000 + "x", "1" + " " * 80_000],
)
def test_long_values_are_parsed_in_linear_time(text: str) -> None:
    """Issue 12 item 8: "1<80,000 spaces>x" took ~28 s (two ``\\s*`` runs backtracking)."""
    started = time.process_time()
    with contextlib.suppress(ValueError):
        parse_duration(text)
    matched = re.match(DURATION_PATTERN, text)
    assert time.process_time() - started < 1.0
    assert (matched is not None) == (text.strip() == "1")
