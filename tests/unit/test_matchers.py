"""Matchers on whole messages (``check_frame``), descriptions, regex compilation, JSON subsets."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.matchers import (
    AnyData,
    Contains,
    Exact,
    JsonSubset,
    Length,
    Matched,
    Mismatch,
    Regex,
    compile_pattern,
    json_subset_difference,
)
from sockscen.payloads import TextPart, bytes_payload, make_payload, text_payload
from sockscen.placeholders import PlaceholderError, Ref, parse_template

VALUES: dict[tuple[str, ...], str] = {("name",): "bob", ("dot",): "a.b", ("n",): "7"}


def lookup(ref: Ref) -> str:
    try:
        return VALUES[ref.path]
    except KeyError:
        raise PlaceholderError(f"unknown placeholder {ref.text}") from None


def regex(pattern: str) -> Regex:
    """A Regex as the builder makes it: pre-compiled when it has no placeholders."""
    template = parse_template(pattern)
    compiled = compile_pattern(template.static_value) if template.is_static else None
    return Regex(pattern=template, compiled=compiled)


def dynamic(source: str) -> TextPart:
    return TextPart(parse_template(source))


# --------------------------------------------------------------------------- exact


def test_exact_frame_equal() -> None:
    """An exact matcher accepts a frame of exactly its bytes and consumes all of it."""
    assert Matched(5) == Exact(payload=text_payload("hello")).check_frame(b"hello", lookup)


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"hell", "received 4 bytes, expected 5"),
        (b"hello!", "received 6 bytes, expected 5"),
        (b"hallo", "different bytes"),
        (b"", "received 0 bytes, expected 5"),
    ],
)
def test_exact_frame_differs(frame: bytes, reason: str) -> None:
    """A shorter/longer frame says both lengths; other differences say the bytes differ."""
    assert Mismatch(reason, len(frame)) == Exact(payload=text_payload("hello")).check_frame(
        frame, lookup
    )


def test_exact_empty_frame() -> None:
    """An empty expected payload accepts only an empty frame."""
    matcher = Exact(payload=bytes_payload(b""))
    assert Matched(0) == matcher.check_frame(b"", lookup)
    assert Mismatch("received 1 byte, expected 0", 1) == matcher.check_frame(b"x", lookup)


def test_exact_with_placeholder() -> None:
    """Placeholders in the expected payload are expanded when checking."""
    matcher = Exact(payload=make_payload((dynamic("hi ${name}"),)))
    assert Matched(6) == matcher.check_frame(b"hi bob", lookup)
    assert b"hi bob" == matcher.expected(lookup)


# --------------------------------------------------------------------------- regex


def test_regex_frame_must_match_whole() -> None:
    """On a frame the regex must match the whole message, not a prefix."""
    matcher = regex(r"\+OK")
    assert Matched(3) == matcher.check_frame(b"+OK", lookup)
    assert Mismatch(
        "the message does not match the regex (it must match the whole message)", 6
    ) == matcher.check_frame(b"+OK ok", lookup)


def test_regex_frame_captures() -> None:
    """Named groups that took part become captures (strings); groups that did not are left out."""
    matcher = regex(r"(?P<key>\w+)=(?P<value>\d+)(?P<unit>ms)?")
    assert Matched(8, {"key": "port", "value": "123"}) == matcher.check_frame(b"port=123", lookup)


def test_regex_captures_non_utf8_with_surrogateescape() -> None:
    """Non-UTF-8 bytes are captured with surrogateescape and render back to the same bytes."""
    result = regex(r"(?P<blob>.*)").check_frame(b"\xff\x00\xc3", lookup)
    assert Matched(3, {"blob": "\udcff\x00\udcc3"}) == result
    assert isinstance(result, Matched)
    echo = make_payload((dynamic("${blob}"),))
    assert b"\xff\x00\xc3" == echo.render(lambda ref: result.captures[ref.head])


def test_regex_placeholders_are_literal() -> None:
    """A placeholder's value is matched literally: ``.`` in it is not a wildcard."""
    matcher = regex(r"${dot}+")
    assert matcher.compiled is None
    assert isinstance(matcher.check_frame(b"a.bbb", lookup), Matched)
    assert isinstance(matcher.check_frame(b"axbb", lookup), Mismatch)


def test_regex_non_ascii_character_is_one_unit() -> None:
    """A quantifier after a non-ASCII character repeats the whole character (its UTF-8 bytes)."""
    matcher = regex("café+!")
    assert Matched(len("caféé!".encode())) == matcher.check_frame("caféé!".encode(), lookup)
    assert isinstance(matcher.check_frame(b"caf\xc3\xa9\xa9!", lookup), Mismatch)
    assert isinstance(regex(r"\é").check_frame("é".encode(), lookup), Matched)


@pytest.mark.parametrize(("pattern", "pos"), [("[éè]", 1), ("x[]é]", 3), ("[^]é]", 3)])
def test_regex_non_ascii_in_character_class_is_an_error(pattern: str, pos: int) -> None:
    """A multi-byte character inside ``[...]`` is a ``re.error`` suggesting an alternation."""
    with pytest.raises(re.error) as info:
        compile_pattern(pattern)
    assert "which is 2 bytes in UTF-8" in info.value.msg
    assert "write an alternation such as (?:é|è)" in info.value.msg
    assert pos == info.value.pos


def test_regex_ascii_patterns_unchanged() -> None:
    """ASCII patterns compile as they are, over bytes; bad ones raise ``re.error``."""
    assert b"[a-z]+\\d" == compile_pattern(r"[a-z]+\d").pattern
    with pytest.raises(re.error):
        compile_pattern("(unclosed")


# --------------------------------------------------------------------------- length, contains, any


def test_length_frame() -> None:
    """A length matcher on a frame wants exactly that many bytes."""
    assert Matched(3) == Length(length=3).check_frame(b"abc", lookup)
    assert Mismatch("received a 2-byte message, expected 3 bytes", 2) == Length(
        length=3
    ).check_frame(b"ab", lookup)


def test_contains_frame() -> None:
    """Contains accepts a frame in which the needle occurs anywhere, and names it when not."""
    matcher = Contains(needle=text_payload("OK"))
    assert Matched(9) == matcher.check_frame(b"status OK", lookup)
    assert Mismatch('the message does not contain "OK"', 4) == matcher.check_frame(b"FAIL", lookup)
    assert matcher.needs_frame


def test_contains_with_placeholder() -> None:
    """A needle with placeholders is rendered when checking."""
    matcher = Contains(needle=make_payload((dynamic("user=${name}"),)))
    assert Matched(16) == matcher.check_frame(b"hello user=bob !", lookup)


def test_any_frame() -> None:
    """``any`` accepts every frame, the empty one included."""
    assert Matched(0) == AnyData().check_frame(b"", lookup)
    assert Matched(4) == AnyData().check_frame(b"\x00abc", lookup)


# --------------------------------------------------------------------------- json


def json_check(expected: Any, frame: bytes) -> Matched | Mismatch:
    return JsonSubset(value=expected).check_frame(frame, lookup)


@pytest.mark.parametrize(
    ("expected", "frame"),
    [
        ({"ok": True}, b'{"ok": true, "extra": [1, 2]}'),
        ({"a": {"b": {"c": 1}}}, b'{"a": {"b": {"c": 1, "d": 2}, "e": 3}}'),
        ([1, {"k": "v"}], b'[1, {"k": "v", "z": null}]'),
        ({"n": 1}, b'{"n": 1.0}'),
        ({"n": None}, b'{"n": null}'),
        ({}, b'{"anything": 1}'),
        ("text", b'"text"'),
        ({"list": []}, b'{"list": []}'),
        ({"é": "ü"}, '{"é": "ü"}'.encode()),
    ],
)
def test_json_subset_matches(expected: Any, frame: bytes) -> None:
    """Objects may have extra keys at any depth; arrays match element by element; 1 equals 1.0."""
    assert Matched(len(frame)) == json_check(expected, frame)


@pytest.mark.parametrize(
    ("expected", "frame", "reason"),
    [
        ({"ok": True}, b'{"ok": 1}', "at $.ok: expected true, got 1"),
        ({"n": 1}, b'{"n": true}', "at $.n: expected 1, got true"),
        ({"n": 0}, b'{"n": false}', "at $.n: expected 0, got false"),
        ({"n": "1"}, b'{"n": 1}', 'at $.n: expected "1", got 1'),
        ({"n": None}, b'{"n": 0}', "at $.n: expected null, got 0"),
        ({"a": {"b": 1}}, b'{"a": {"c": 1}}', "at $.a: key 'b' is missing"),
        ({"a": {"b": 1}}, b'{"a": [1]}', "at $.a: expected an object, got [1]"),
        ({"a": [1, 2]}, b'{"a": [1]}', "at $.a: expected 2 elements, got 1"),
        ({"a": [1, 2]}, b'{"a": [1, 3]}', "at $.a[1]: expected 2, got 3"),
        ({"a": [1]}, b'{"a": {"0": 1}}', 'at $.a: expected an array, got {"0": 1}'),
        ([{"x": [True]}], b'[{"x": [false]}]', "at $[0].x[0]: expected true, got false"),
    ],
)
def test_json_subset_differences(expected: Any, frame: bytes, reason: str) -> None:
    """The first difference is named by its path, with both values; booleans are not numbers."""
    assert Mismatch(reason, len(frame)) == json_check(expected, frame)


@pytest.mark.parametrize(
    ("frame", "start"),
    [
        (b"{not json", "the message is not JSON (Expecting property name"),
        (b"\xff{}", "the message is not JSON ('utf-8' codec can't decode"),
        (b"", "the message is not JSON (Expecting value"),
    ],
)
def test_json_not_json(frame: bytes, start: str) -> None:
    """A frame that is not UTF-8 JSON is a mismatch that says why."""
    result = json_check({}, frame)
    assert isinstance(result, Mismatch)
    assert result.reason.startswith(start)
    assert len(frame) == result.shown


@pytest.mark.parametrize(
    "frame",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000, b"[" * 501],
    ids=["arrays", "objects", "unclosed"],
)
def test_json_nested_too_deeply_is_the_peers_failure(frame: bytes) -> None:
    """A peer's deeply nested JSON fails the match (it used to escape as RecursionError)."""
    result = json_check({}, frame)
    assert isinstance(result, Mismatch)
    assert result.reason.startswith("the message is JSON nested deeper than 500 levels")


def test_json_brackets_in_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"s": "[{" * 1000, "deep": [[[[1]]]]}).encode()
    assert Matched(len(text)) == json_check({"deep": [[[[1]]]]}, text)


def test_json_placeholders_are_strings() -> None:
    """Template strings in the expected value are expanded (to strings) before comparing."""
    expected = {"user": parse_template("${name}"), "n": parse_template("${n}")}
    assert Matched(22) == json_check(expected, b'{"user":"bob","n":"7"}')
    assert Mismatch('at $.n: expected "7", got 7', 20) == json_check(
        expected, b'{"user":"bob","n":7}'
    )


def test_long_actual_value_is_cut_in_messages() -> None:
    """The received value in a difference is cut to 80 characters."""
    reason = json_subset_difference({"a": 1}, ["x" * 200], "$")
    assert reason is not None
    assert reason.startswith("at $: expected an object, got [")
    assert len("at $: expected an object, got ") + 80 == len(reason)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=15,
)


@given(json_values)
def test_json_value_is_subset_of_itself(value: Any) -> None:
    """Any JSON value (NaN included: Python's json reads it) is a subset of itself and its copy."""
    assert json_subset_difference(value, value, "$") is None
    assert json_subset_difference(value, json.loads(json.dumps(value)), "$") is None


@given(st.dictionaries(st.text(max_size=4), json_values, max_size=4), st.data())
def test_json_object_subset_of_superset(expected: dict[str, Any], data: st.DataObject) -> None:
    """An object is a subset of any object that adds keys to it."""
    extra = data.draw(st.dictionaries(st.text(max_size=4), json_values, max_size=3))
    actual = {**extra, **expected}
    assert json_subset_difference(expected, actual, "$") is None
    frame = json.dumps(actual).encode()
    assert Matched(len(frame)) == json_check(expected, frame)


def test_nan_is_not_a_number() -> None:
    """NaN matches only NaN."""
    assert json_subset_difference(math.nan, math.nan, "$") is None
    assert "at $: expected NaN, got 1.0" == json_subset_difference(math.nan, 1.0, "$")


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize(
    ("matcher", "text"),
    [
        (Exact(payload=text_payload("hi\n")), '"hi\\n"'),
        (Exact(payload=make_payload((dynamic("${name}"),))), "<payload>"),
        (Exact(payload=text_payload("x"), until=text_payload("\r\n")), '"x" until "\\r\\n"'),
        (regex("a+"), "regex /a+/"),
        (
            Regex(pattern=parse_template("v=${n}"), until=make_payload((dynamic("${name}"),))),
            "regex /v=${n}/ until <delimiter>",
        ),
        (Length(length=3), "3 bytes"),
        (Contains(needle=text_payload("ok")), 'a message containing "ok"'),
        (
            JsonSubset(value={"a": parse_template("${x}"), "b": [1, True]}),
            'JSON containing {"a":"${x}","b":[1,true]}',
        ),
        (AnyData(), "any data"),
        (AnyData(until=text_payload("\n")), 'any data until "\\n"'),
    ],
)
def test_describe(matcher: Any, text: str) -> None:
    """Each matcher describes what it expects in one short phrase for failure messages."""
    assert text == matcher.describe()


def test_delimiter_and_needs_frame() -> None:
    """``until`` renders to the delimiter bytes; only contains and json need a whole frame."""
    assert b"\r\n" == Regex(until=text_payload("\r\n")).delimiter(lookup)
    assert b"bob" == AnyData(until=make_payload((dynamic("${name}"),))).delimiter(lookup)
    assert Exact().delimiter(lookup) is None
    needs = [
        m.needs_frame for m in (Exact(), Regex(), Length(), Contains(), JsonSubset(), AnyData())
    ]
    assert [False, False, False, True, True, False] == needs


def test_matchers_are_frozen_keyword_dataclasses() -> None:
    """Matchers are built with keywords and cannot be changed afterwards."""
    matcher = Length(length=4, until=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        matcher.length = 5  # type: ignore[misc]
    assert Length(length=4) == matcher
