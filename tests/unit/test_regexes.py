"""User regexes: bounded matching, ``re``'s syntax and ``re``'s results."""

from __future__ import annotations

import re
import sys
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sockscen import regexes
from sockscen.regexes import GaveUp, UserRegex, compile_regex

#: Finishing well inside this shows the bound works; the real figure is the timeout given.
GENEROUS = 30.0

CATASTROPHIC = b"a" * 49 + b"b"


def outcome_span(found: object) -> object:
    """What a match says, comparable between ``re`` and ``sockscen.regexes``."""
    if found is None or isinstance(found, GaveUp):
        return found
    assert isinstance(found, (re.Match, regexes.regex.Match))
    return found.span(), found.groupdict()


# ----------------------------------------------------------------- catastrophic patterns


def test_the_pattern_of_issue_12_finishes_and_does_not_match() -> None:
    started = time.monotonic()
    assert compile_regex(rb"(a+)+$").search(CATASTROPHIC) is None
    assert compile_regex(rb"(a+)+$").match(CATASTROPHIC) is None
    assert time.monotonic() - started < GENEROUS


@pytest.mark.parametrize("method", ["match", "fullmatch", "search"])
@pytest.mark.parametrize("pattern", [rb"(a|aa)+$", rb"(?:a|aa)+\Z", rb"(a|aa)*\d"])
def test_a_backtracking_explosion_gives_up_after_the_timeout(method: str, pattern: bytes) -> None:
    compiled = compile_regex(pattern)
    started = time.monotonic()
    verdict = getattr(compiled, method)(CATASTROPHIC, timeout=0.01)
    assert time.monotonic() - started < GENEROUS
    assert verdict == GaveUp(0.01)


def test_the_default_timeout_applies_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regexes, "DEFAULT_TIMEOUT", 0.01)
    assert compile_regex(rb"(a|aa)+$").search(CATASTROPHIC) == GaveUp(0.01)


def test_text_patterns_are_bounded_too() -> None:
    assert compile_regex(r"(a|aa)+$").search("a" * 49 + "b", timeout=0.01) == GaveUp(0.01)


def test_a_regex_that_gave_up_still_matches_other_data() -> None:
    compiled = compile_regex(rb"(a|aa)+$")
    assert isinstance(compiled.search(CATASTROPHIC, timeout=0.01), GaveUp)
    found = compiled.fullmatch(b"aaaa")
    assert found is not None
    assert not isinstance(found, GaveUp)
    assert found.end() == 4


def test_giving_up_says_why_and_what_to_do() -> None:
    assert GaveUp(1.0).reason == (
        "regex gave up after 1s: the pattern backtracks catastrophically on this input "
        "(nested quantifiers such as (a+)+, or alternatives that overlap such as (a|aa)+); "
        "anchor it or simplify it"
    )
    assert GaveUp(0.25).reason.startswith("regex gave up after 0.25s: ")


# ----------------------------------------------------------------- matches and named groups


def test_named_groups_are_captured_as_re_does() -> None:
    compiled = compile_regex(rb"(?P<verb>[A-Z]+) (?P<n>\d+)(?: (?P<rest>.*))?\r\n")
    assert compiled.groupindex == {"verb": 1, "n": 2, "rest": 3}
    found = compiled.match(bytearray(b"PONG 42\r\nmore"))
    assert found is not None
    assert not isinstance(found, GaveUp)
    assert found.end() == 9
    assert found.groupdict() == {"verb": b"PONG", "n": b"42", "rest": None}
    assert found.start("n") == 5
    assert found.end("n") == 7


def test_pos_and_memoryview_work_as_in_re() -> None:
    data = memoryview(b"xxPING 7\n")
    compiled = compile_regex(rb"PING (?P<n>\d)\n")
    assert compiled.match(data) is None
    found = compiled.match(data, 2)
    assert found is not None
    assert not isinstance(found, GaveUp)
    assert (found.start(), found.end(), found.groupdict()) == (2, 9, {"n": b"7"})
    assert compiled.fullmatch(data, 2) is not None
    assert compiled.search(data, 3) is None


def test_text_patterns_match_text() -> None:
    found = compile_regex(r"listening on (?P<port>\d+)").search("server: listening on 8080")
    assert found is not None
    assert not isinstance(found, GaveUp)
    assert found.groupdict() == {"port": "8080"}


def test_compiled_patterns_are_cached() -> None:
    assert compile_regex(rb"cached (\d+)") is compile_regex(rb"cached (\d+)")
    assert isinstance(compile_regex(rb"x"), UserRegex)
    assert repr(compile_regex(rb"x")) == "UserRegex(b'x')"


def test_regexes_are_equal_when_their_patterns_are() -> None:
    compiled = compile_regex(rb"(?P<n>\d+)")
    uncached = regexes._compile.__wrapped__(rb"(?P<n>\d+)")
    assert uncached is not compiled
    assert uncached == compiled
    assert hash(uncached) == hash(compiled)
    assert compiled != compile_regex(r"(?P<n>\d+)")
    assert compiled != compile_regex(rb"(?P<m>\d+)")
    assert {compiled, compile_regex(rb"(?P<n>\d+)")} == {compiled}


# ----------------------------------------------------------------- re's syntax, exactly


@pytest.mark.parametrize(
    "pattern",
    [
        rb"(",
        rb"a)",
        rb"[a",
        rb"(?P<1x>a)",
        rb"\p{L}",  # regex-module syntax re does not have
        rb"(?|a|b)",
        rb"(?V1)a",
        rb"a\K",
        rb"(?P<n>a)(?P<n>b)",
        rb"x{3,1}",
    ],
)
def test_what_re_refuses_is_refused_with_res_message(pattern: bytes) -> None:
    with pytest.raises(re.error) as expected:
        re.compile(pattern)
    with pytest.raises(re.error) as raised:
        compile_regex(pattern)
    assert str(raised.value) == str(expected.value)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="re has possessive quantifiers from 3.11")
def test_possessive_quantifiers_and_atomic_groups_follow_re() -> None:
    assert compile_regex(rb"a*+a").match(b"aaa") is None
    assert compile_regex(rb"(?>a*)b").match(b"aab") is not None


@pytest.mark.parametrize(
    ("pattern", "data", "span"),
    [
        (rb"a{e<=1}", b"a{e<=1}", (0, 7)),  # fuzzy matching in the regex module, text in re
        (rb"a{e<=1}", b"b", None),
        (rb"x{2}", b"xx", (0, 2)),
        (rb"x{,2}y", b"xxy", (0, 3)),
        (rb"x{2,}", b"xxxx", (0, 4)),
        (rb"x{}", b"x{}", (0, 3)),
        (rb"x{ 2}", b"x{ 2}", (0, 5)),
        (rb"\{e}", b"{e}", (0, 3)),
        (rb"\\{e}", b"\\{e}", (0, 4)),
        (rb"[{e}]+", b"}e{", (0, 3)),
        (rb"{2<=e}", b"{2<=e}", (0, 6)),
    ],
)
def test_braces_mean_what_they_mean_in_re(
    pattern: bytes, data: bytes, span: tuple[int, int] | None
) -> None:
    found = re.fullmatch(pattern, data)
    assert (found and found.span()) == span
    ours = compile_regex(pattern).fullmatch(data)
    assert not isinstance(ours, GaveUp)
    assert (ours and (ours.start(), ours.end())) == span


def test_named_characters_in_text_patterns_keep_their_braces() -> None:
    assert compile_regex(r"\N{EM DASH}{2}").fullmatch("——") is not None
    assert compile_regex(r"\N{EM DASH}{e}").fullmatch("—{e}") is not None


# ----------------------------------------------------------------- same results as re


def _named(pattern: str) -> str:
    """Number the ``(?P<@>`` placeholders so every group name is unique."""
    parts = pattern.split("(?P<@>")
    return parts[0] + "".join(f"(?P<g{i}>{part}" for i, part in enumerate(parts[1:]))


ATOMS = st.sampled_from(
    [
        "a", "b", "1", " ", "\\n", ".", "\\d", "\\w", "\\s", "\\W", "[ab]", "[^a]",
        "[a-c{]", "\\{", "{", "{}", "x{e<=1}", "\\.",
    ]
)  # fmt: skip
ANCHORS = st.sampled_from(["^", "$", "\\A", "\\Z", "\\b", "\\B"])
QUANTIFIERS = st.sampled_from(
    ["", "", "*", "+", "?", "*?", "+?", "??", "{2}", "{1,2}", "{,2}", "{1,}", "{1,2}?"]
)


def _quantified(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    group = st.sampled_from(["(?:", "(", "(?P<@>"]).flatmap(
        lambda opener: inner.map(lambda body: f"{opener}{body})")
    )
    return st.tuples(st.one_of(ATOMS, group), QUANTIFIERS).map("".join)


SAFE_PATTERNS = st.recursive(
    st.one_of(ATOMS, ANCHORS),
    lambda inner: st.one_of(
        st.lists(st.one_of(_quantified(inner), ANCHORS), min_size=1, max_size=4).map("".join),
        st.lists(inner, min_size=2, max_size=3).map("|".join),
    ),
    max_leaves=8,
).map(_named)
FLAGS = st.sampled_from(["", "(?i)", "(?m)", "(?s)", "(?ms)"])
DATA = st.binary(max_size=12).map(lambda raw: bytes(b"ab1 \n{}eA"[c % 9] for c in raw))


@settings(max_examples=400, deadline=None)
@given(FLAGS, SAFE_PATTERNS, DATA, st.integers(min_value=0, max_value=3))
def test_bytes_results_are_res(flags: str, body: str, data: bytes, pos: int) -> None:
    pattern = (flags + body).encode("ascii")
    # re before 3.14 never matches \B in empty data; regex (and re from 3.14 on) do.
    assume(data or "\\B" not in body)
    try:
        expected = re.compile(pattern)
    except re.error:
        with pytest.raises(re.error):
            compile_regex(pattern)
        return
    ours = compile_regex(pattern)
    for method in ("match", "fullmatch", "search"):
        want = getattr(expected, method)(data, pos)
        got = getattr(ours, method)(data, pos)
        assert outcome_span(got) == outcome_span(want), (method, pattern, data, pos)
