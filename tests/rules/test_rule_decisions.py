"""Rule decisions (pure): the first match wins, undecided rules hold, near misses say why."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sockscen import model
from sockscen.errors import ConfigError
from sockscen.framing import LINE, NONE
from sockscen.loader import load_text
from sockscen.rules import RuleScope, decide_frame, decide_stream, near_miss, unreachable


def _server(rules_yaml: str, framing: str = "none") -> model.RuleServer:
    text = (
        "name: s\nmock: true\nservers:\n  fake:\n    listen: tcp://127.0.0.1:0\n"
        f"    framing: {framing}\n    rules:\n{rules_yaml}"
    )
    (scenario,) = load_text(text, "s.yaml", "/nonexistent", environ={})
    server = scenario.servers[0]
    assert isinstance(server, model.RuleServer)
    return server


REDIS = _server(
    '      - {when: "PING\\r\\n", reply: "+PONG\\r\\n"}\n'
    '      - {when: {regex: "GET (?P<key>\\\\w+)\\r\\n"}, reply: "${key}"}\n'
    '      - {when: "PINGPONG\\r\\n", reply: "both"}\n'
    '      - {when: {length: 3}, reply: "three"}\n'
)


def _lookup(ref: object) -> str:
    raise AssertionError("no placeholders expected")


def _serve(chunks: list[bytes]) -> list[tuple[int | None, bytes, dict[str, str]]]:
    """Feed *chunks* one by one, deciding as soon as the rules can: the requests and rules."""
    data = bytearray()
    out: list[tuple[int | None, bytes, dict[str, str]]] = []
    for i, chunk in enumerate([*chunks, b""]):
        data += chunk
        eof = i == len(chunks)
        while data:
            got = decide_stream(REDIS.rules, "start", data, eof, _lookup)
            if got is None:
                break
            out.append((got.index, bytes(data[: got.consumed]), got.captures))
            del data[: got.consumed]
    return out


def test_a_rule_that_cannot_tell_yet_holds_the_decision() -> None:
    """``PI`` could still be PING: no later rule (``length: 3``) may take it meanwhile."""
    assert decide_stream(REDIS.rules, "start", bytearray(b"PIN"), False, _lookup) is None
    got = decide_stream(REDIS.rules, "start", bytearray(b"PING\r\n"), False, _lookup)
    assert got is not None
    assert (got.index, got.consumed) == (0, 6)


def test_a_regex_capture_and_an_unmatched_request_taking_all_unread_data() -> None:
    got = decide_stream(REDIS.rules, "start", bytearray(b"GET abc\r\nX"), False, _lookup)
    assert got is not None
    assert (got.index, got.captures) == (1, {"key": "abc"})
    miss = decide_stream(REDIS.rules, "start", bytearray(b"QU"), True, _lookup)
    assert miss is not None
    assert (miss.index, miss.consumed) == (None, 2)


STREAM = b"PING\r\nGET abc\r\nPING\r\nxyzGET q\r\nPINGPONG\r\nab"


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(min_value=1, max_value=len(STREAM) - 1)))
def test_any_split_of_a_pipelined_stream_gets_the_same_answers(cuts: set[int]) -> None:
    """Merged, split and pipelined requests are decided alike (hypothesis picks the splits)."""
    points = [0, *sorted(cuts), len(STREAM)]
    chunks = [STREAM[a:b] for a, b in itertools.pairwise(points)]
    assert _serve(chunks) == _serve([STREAM])
    assert [i for i, _, _ in _serve([STREAM])] == [0, 1, 0, 3, 1, 2, None]


def test_near_miss_names_each_rule_line_and_why() -> None:
    server = _server(
        '      - {when: "PING", reply: a}\n'
        '      - {when: {regex: "GET .+"}, reply: b}\n'
        '      - {when: "BYE", state: out, reply: c}\n'
        '      - {when: "LOGOUT", goto: out, reply: d}\n',
        "line",
    )
    got = decide_frame(server.rules, "start", b"PINK", _lookup)
    lines = near_miss(server.rules, got, b"PINK", "start")
    assert got.index is None
    assert lines == (
        "request (4 bytes, state 'start'): PINK",
        "  hex: 50 49 4e 4b",
        "no rule matched:",
        '  s.yaml:8:9: rule 1: "PING": first difference at byte 3 (received K)',
        "  s.yaml:9:9: rule 2: the regex /GET .+/ does not match",
        "  s.yaml:10:9: rule 3: it applies in state 'out', the state is 'start'",
        '  s.yaml:11:9: rule 4: "LOGOUT": first difference at byte 0 (received P)',
    )


def test_replies_are_used_in_order_and_the_last_repeats() -> None:
    scope = RuleScope()
    assert [scope.next_reply(0, 2) for _ in range(4)] == [0, 1, 1, 1]
    assert scope.uses == {0: 2}  # bounded: a counter stops growing at the last reply


@pytest.mark.parametrize(
    ("when", "framing", "blocked"),
    [
        ("{any: true}", NONE, True),
        ('{regex: "(?s).*"}', NONE, True),
        ('{regex: ".*"}', LINE, True),
        ('{regex: ".*"}', NONE, False),
        ('{any: true, until: "\\n"}', NONE, False),
    ],
)
def test_catch_alls_make_later_rules_unreachable(when: str, framing: object, blocked: bool) -> None:
    rules = (
        f"      - {{when: {when}, reply: a}}\n      - {{when: x, state: other, reply: b}}\n"
        "      - {when: y, goto: other, reply: c}\n"
    )
    kind = framing.kind  # type: ignore[attr-defined]
    if blocked:
        with pytest.raises(ConfigError) as info:
            _server(rules, kind)
        # A rule without state takes requests in every state: both later rules are blocked.
        assert "s.yaml:9:16: error: rule 2 can never match: rule 1 (line 8)" in str(info.value)
        assert "s.yaml:10:16: error: rule 3 can never match: rule 1 (line 8)" in str(info.value)
    else:
        server = _server(rules, kind)
        assert unreachable(server.rules, server.framing) == []


def test_a_state_no_goto_reaches_is_a_located_error() -> None:
    with pytest.raises(ConfigError) as info:
        _server("      - {when: x, state: nowhere, reply: a}\n")
    assert "s.yaml:8:26: error: no rule moves to state 'nowhere'" in str(info.value)
