"""The v2 matcher forms, pure: hex patterns, mixed lists, lengths from the data, until regex,
``all``, ``not``, and placeholders inside ``hex`` / ``base64``."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.errors import ConfigError
from sockscen.loader import load_text
from sockscen.matchers import (
    NEED_MORE,
    AllOf,
    Exact,
    Matched,
    Matcher,
    Mismatch,
    Not,
    Pattern,
    Sized,
    UntilRegex,
)
from sockscen.payloads import Payload
from sockscen.payloads.hexdigits import AnyBytes, HexCapture, HexSyntaxError, parse_hex
from sockscen.placeholders import PlaceholderError, Ref
from sockscen.steps.expect import Expect
from sockscen.steps.send import Send

CLIENT = """\
name: x
clients:
  c:
    connect: tcp://127.0.0.1:7
    steps:
"""


def steps_of(*steps: str, vars_: dict[str, str] | None = None) -> list[Any]:
    """The built steps of a one-client scenario whose steps are the given YAML lines."""
    head = CLIENT if not vars_ else CLIENT.replace("clients:", f"vars: {vars_}\nclients:")
    text = head + "".join(f"      - {s}\n" for s in steps)
    (scenario,) = load_text(text, "s.yaml", "/nonexistent", environ={})
    return list(scenario.clients[0].steps)


def matcher_of(step: str, **kw: Any) -> Matcher:
    (built,) = steps_of(step, **kw)
    assert isinstance(built, Expect)
    return built.matcher


def problems_of(*steps: str, framing: str | None = None, udp: bool = False) -> list[str]:
    head = CLIENT
    if framing:
        head = head.replace("    steps:", f"    framing: {framing}\n    steps:")
    if udp:
        head = head.replace("tcp://", "udp://")
    text = head + "".join(f"      - {s}\n" for s in steps)
    with pytest.raises(ConfigError) as info:
        load_text(text, "s.yaml", "/nonexistent", environ={})
    return [str(p) for p in info.value.problems]


def values(**kw: str) -> Any:
    def lookup(ref: Ref) -> str:
        try:
            return kw[ref.head]
        except KeyError:
            raise PlaceholderError(f"unknown placeholder {ref.text}") from None

    return lookup


NOTHING = values()


def feed(matcher: Matcher, data: bytes, lookup: Any = NOTHING) -> Any:
    """What an unframed stream expect does: match_stream over growing data."""
    return matcher.match_stream(data, False, lookup)


# ----------------------------------------------------------------------------- hex syntax


def test_hex_tokens() -> None:
    """Fixed runs are joined; ??, ??*N, XX*N and (NAME:N) become their tokens."""
    assert parse_hex("81 01 ?? ?? (cas:8) 00*4 ??*8") == (
        b"\x81\x01",
        AnyBytes(1),
        AnyBytes(1),
        HexCapture("cas", 8),
        b"\x00" * 4,
        AnyBytes(8),
    )
    assert parse_hex("23 00*47") == (b"\x23" + b"\x00" * 47,)
    assert parse_hex("") == (b"",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4", "hex digits come in pairs, but there are 1"),
        ("48 6g", "not hex: 'g' (hex digit 4)"),
        ("00*0", "a repeat *0 must be between 1"),
        ("(x:2)*3", "a capture (x:2) cannot be repeated"),
        ("?", "cannot read '?' (hex digit 1)"),
    ],
)
def test_hex_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(
        HexSyntaxError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("*", r"\*")
        .replace("?", r"\?"),
    ):
        parse_hex(text)


@given(st.binary(max_size=64), st.data())
def test_any_bytes_match_a_pattern_built_from_them(data: bytes, draw: st.DataObject) -> None:
    """Replacing random bytes of a hex text by ?? still matches those bytes (stream and frame)."""
    holes = draw.draw(st.lists(st.booleans(), min_size=len(data), max_size=len(data)))
    text = " ".join("??" if hole else f"{b:02x}" for b, hole in zip(data, holes, strict=True))
    matcher = matcher_of(f'expect: {{hex: "{text}", until: "\\n"}}') if data else None
    if matcher is None:
        return
    assert Matched(len(data)) == matcher.check_frame(data, NOTHING)
    pattern = matcher_of(f'expect: {{hex: "{text}"}}')
    assert Matched(len(data)) == pattern.match_stream(data + b"tail", False, NOTHING)


@given(st.binary(min_size=1, max_size=16), st.binary(min_size=1, max_size=4))
def test_hex_capture_round_trips_into_a_hex_payload(key: bytes, head: bytes) -> None:
    """(k:N) captures N bytes as hex digits; ${k} inside a hex payload sends them back."""
    expect, send = steps_of(
        f'expect: {{hex: "{head.hex()} (k:{len(key)})"}}', 'send: {hex: "ff ${k} ff"}'
    )
    got = expect.matcher.match_stream(head + key, False, NOTHING)
    assert isinstance(got, Matched)
    assert got.captures == {"k": key.hex()}
    assert isinstance(send, Send)
    assert send.payload.render(values(**got.captures)) == b"\xff" + key + b"\xff"


def test_hex_pattern_fails_at_the_first_wrong_fixed_byte() -> None:
    m = matcher_of('expect: {hex: "81 ?? 02 03"}')
    assert isinstance(m, Pattern)
    assert NEED_MORE == feed(m, b"\x81\x00\x02")
    got = feed(m, b"\x81\x00\x07")
    assert isinstance(got, Mismatch)
    assert got.reason == "different bytes at offset 2"
    closed = m.match_stream(b"\x81\x00", True, NOTHING)
    assert isinstance(closed, Mismatch)
    assert "closed the connection after 2 bytes; the pattern needs at least 4" in closed.reason


def test_hex_without_pattern_stays_exact() -> None:
    assert isinstance(matcher_of('expect: {hex: "00*3 01"}'), Exact)
    assert matcher_of('expect: {hex: "00*3 01"}').check_frame(b"\0\0\0\1", NOTHING) == Matched(4)


def test_pattern_frame_must_be_taken_whole() -> None:
    m = matcher_of('expect: {hex: "01 ??", until: "\\n"}')
    got = m.check_frame(b"\x01\x02\x03", NOTHING)
    assert isinstance(got, Mismatch)
    assert got.reason == "1 more bytes than the pattern takes"


# --------------------------------------------------------------------------- mixed lists


def test_list_mixes_exact_hex_regex_and_length() -> None:
    """A RESP bulk string: "$", a length captured by a regex, then that many bytes and CRLF."""
    m = matcher_of(r"""expect: ["$", {regex: "(?P<n>\\d+)\r\n"}, {length: 5}, "\r\n"]""")
    assert isinstance(m, Pattern)
    assert NEED_MORE == feed(m, b"$5\r\nhel")
    assert Matched(11, {"n": "5"}) == feed(m, b"$5\r\nhello\r\n+OK")
    bad = feed(m, b"$x")
    assert NEED_MORE == bad  # a regex part waits, like a stream regex
    closed = m.match_stream(b"$x\r\n", True, NOTHING)
    assert isinstance(closed, Mismatch)
    assert "offset 1 does not match regex" in closed.reason


def test_list_of_exact_parts_stays_exact() -> None:
    assert isinstance(matcher_of('expect: ["a", {hex: "62"}]'), Exact)


# --------------------------------------------------------------------------- lengths


def test_length_from_a_placeholder() -> None:
    m = matcher_of('expect: {length: "${n}"}', vars_={"n": "4"})
    assert Matched(4) == feed(m, b"abcdef", values(n="4"))
    with pytest.raises(PlaceholderError, match=r"length '\$\{n\}' expands to 'x4' \(\$\{n\}\)"):
        feed(m, b"abcdef", values(n="x4"))


def test_length_beside_another_matcher_cuts_the_frame() -> None:
    m = matcher_of('expect: {length: "${n}", json: {ok: true}}', vars_={"n": "11"})
    assert isinstance(m, Sized)
    assert NEED_MORE == feed(m, b'{"ok":', values(n="11"))
    assert Matched(11) == feed(m, b'{"ok":true}HTTP/1.1', values(n="11"))
    bad = feed(m, b'{"ok":fals}', values(n="11"))
    assert isinstance(bad, Mismatch)
    assert bad.reason.startswith("in the 11 bytes read: ")
    assert m.size(values(n="11")) == 11


def test_length_and_regex_captures() -> None:
    m = matcher_of(r'expect: {length: 6, regex: "id=(?P<id>\\d+)"}')
    assert Matched(6, {"id": "123"}) == feed(m, b"id=123id=4")


# ----------------------------------------------------------------------------- until regex

SMTP = b"250-mx.example\r\n250-SIZE 1000\r\n250 HELP\r\n"


def test_until_regex_ends_after_the_match() -> None:
    m = matcher_of(r'expect: {until: {regex: "(?m)^250 [^\r\n]*\r\n"}}')
    assert isinstance(m, UntilRegex)
    assert Matched(len(SMTP)) == feed(m, SMTP + b"354 go")
    assert NEED_MORE == feed(m, SMTP[:-1])


@given(st.lists(st.integers(min_value=1, max_value=len(SMTP) * 2), max_size=6))
def test_until_regex_on_split_deliveries_gives_the_same_frames(cuts: list[int]) -> None:
    """However the two replies arrive, the frames are the same two replies."""
    m = matcher_of(r'expect: {until: {regex: "(?m)^250 [^\r\n]*\r\n"}, contains: "SIZE"}')
    data = SMTP + SMTP.replace(b"1000", b"2000")
    points = sorted({min(c, len(data)) for c in cuts} | {len(data)})
    buffer = bytearray()
    frames = []
    start = 0
    for point in points:
        buffer += data[start:point]
        start = point
        while True:
            got = feed(m, bytes(buffer))
            if not isinstance(got, Matched):
                assert got == NEED_MORE
                break
            frames.append(bytes(buffer[: got.consumed]))
            del buffer[: got.consumed]
    assert frames == [SMTP, SMTP.replace(b"1000", b"2000")]


def test_until_regex_with_a_check_and_captures() -> None:
    m = matcher_of(r'expect: {until: {regex: "(?m)^(?P<code>\\d{3}) .*\r\n"}, contains: "SIZE"}')
    assert Matched(len(SMTP), {"code": "250"}) == feed(m, SMTP)
    bad = feed(m, b"250 HELP\r\n")
    assert isinstance(bad, Mismatch)
    assert "does not contain" in bad.reason


# ------------------------------------------------------------------------------ all / not


def test_all_checks_the_same_frame_and_keeps_every_capture() -> None:
    m = matcher_of(
        r'expect: {until: "\r\n\r\n", all: [{contains: "Host: a"}, '
        r'{regex: "(?s).*Content-Length: (?P<n>\\d+).*"}, {not: {contains: "chunked"}}]}'
    )
    assert isinstance(m, AllOf)
    head = b"GET / HTTP/1.1\r\nContent-Length: 12\r\nHost: a"
    assert Matched(len(head), {"n": "12"}) == m.check_frame(head, NOTHING)
    bad = m.check_frame(head + b"\r\nTransfer-Encoding: chunked", NOTHING)
    assert isinstance(bad, Mismatch)
    assert bad.reason.startswith('check 3 of all (not (a message containing "chunked")): ')


def test_not_inverts() -> None:
    m = matcher_of('expect: {not: "ERR", until: "\\n"}')
    assert isinstance(m, Not)
    assert Matched(2) == m.check_frame(b"OK", NOTHING)
    bad = m.check_frame(b"ERR", NOTHING)
    assert isinstance(bad, Mismatch)
    assert bad.reason == 'the message matches "ERR", and must not'


# ----------------------------------------------------------------------- hex and base64 values


def test_placeholders_in_hex_and_base64_payloads() -> None:
    (hex_send, b64_send) = steps_of(
        'send: {hex: "01 ${x}"}', 'send: {base64: "${b}"}', vars_={"x": "00", "b": "AA=="}
    )
    assert hex_send.payload.render(values(x="0203")) == b"\x01\x02\x03"
    assert b64_send.payload.render(values(b="aGk=")) == b"hi"
    with pytest.raises(PlaceholderError, match=r"\$\{x\} is 'zz' inside hex"):
        hex_send.payload.render(values(x="zz"))
    with pytest.raises(PlaceholderError, match=r"\$\{x\} = '2'.*pairs"):
        hex_send.payload.render(values(x="2"))
    with pytest.raises(PlaceholderError, match=r"base64 with \$\{b\} = 'a' expands to 'a'"):
        b64_send.payload.render(values(b="a"))


def test_regex_placeholder_is_inserted_escaped() -> None:
    m = matcher_of(r'expect: {regex: "v=${x}\r\n"}', vars_={"x": "a.b"})
    assert Matched(7) == feed(m, b"v=a.b\r\n", values(x="a.b"))
    assert NEED_MORE == feed(m, b"v=axb\r\n", values(x="a.b"))


# ------------------------------------------------------------------------------ safe regexes


def test_catastrophic_regex_gives_up() -> None:
    """(a|aa)+$ against 49 a's and a b fails the step with "gave up" instead of hanging."""
    m = matcher_of('expect: {regex: "(a|aa)+$"}')
    started = time.monotonic()
    got = m.match_stream(b"a" * 49 + b"b", False, NOTHING)
    assert isinstance(got, Mismatch)
    assert "regex gave up after" in got.reason
    assert time.monotonic() - started < 30  # bounded; the limit itself is ~1s


def test_catastrophic_until_regex_and_list_regex_give_up() -> None:
    data = b"a" * 49 + b"b"
    for step in ('expect: {until: {regex: "(a|aa)+$"}}', 'expect: ["", {regex: "(a|aa)+$"}]'):
        got = matcher_of(step).match_stream(data, False, NOTHING)
        assert isinstance(got, Mismatch)
        assert "gave up" in got.reason


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            'send: {hex: "01 ?? 02"}',
            "s.yaml:6:21: error: ?? and (NAME:N) match unknown bytes, so they only work in an "
            "expect: a payload's bytes must be known (write the bytes, or XX*N to repeat one)",
        ),
        (
            'expect: {all: ["a"]}',
            "s.yaml:6:17: error: 'all' checks one whole message, but client c reads an unframed "
            "byte stream (add until: or set framing:)",
        ),
        (
            'expect: {not: "a"}',
            "s.yaml:6:17: error: 'not' checks one whole message, but client c reads an unframed "
            "byte stream (add until: or set framing:)",
        ),
        (
            'expect: {length: "abc"}',
            "s.yaml:6:26: error: length 'abc' is not a byte count (write a number from 0 to "
            "4294967296, or a placeholder such as ${n} that holds one when the step runs)",
        ),
        (
            'expect: {length: 3, text: "abc", until: "x"}',
            "s.yaml:6:18: error: 'length' and 'until' both cut the frame (keep one of them)",
        ),
        (
            'expect: {until: {regex: "x*"}}',
            "s.yaml:6:33: error: this until regex matches where nothing has arrived yet, so it "
            "would cut an empty frame (make it match at least one byte, such as a line end)",
        ),
        (
            'expect: {hex: "01 (k:2"}',
            "s.yaml:6:23: error: cannot read '(k:2' (hex digit 3): write ??, ??*N, XX*N or "
            "(NAME:N)",
        ),
        (
            'expect: {all: [{contains: "a", until: "b"}], until: "c"}',
            "s.yaml:6:40: error: 'until' inside 'all' or 'not' has no meaning: they check the "
            "frame that is already cut (put until: beside all: or not:)",
        ),
    ],
)
def test_located_problems(step: str, expected: str) -> None:
    assert problems_of(step) == [expected]


def test_until_regex_refused_on_framed_and_datagram_actors() -> None:
    framed = problems_of('expect: {until: {regex: "\\n"}}', framing="line")
    assert framed == [
        "s.yaml:7:18: error: 'until' has no meaning here: client c has framing, so every "
        "expect reads one frame (remove until: or framing:)"
    ]
    dgram = problems_of('expect: {until: {regex: "\\n"}}', udp=True)
    assert "uses datagrams" in dgram[0]


def test_all_on_datagrams_and_frames_needs_no_cut() -> None:
    assert isinstance(matcher_of('expect: {all: ["a"], length: 1}'), Sized)
    text = CLIENT.replace("tcp://", "udp://") + '      - expect: {all: [{contains: "a"}]}\n'
    (scenario,) = load_text(text, "s.yaml", "/nonexistent", environ={})
    assert isinstance(scenario.clients[0].steps[0].matcher, AllOf)


def test_payload_type_unchanged_for_fixed_hex() -> None:
    (send,) = steps_of('send: {hex: "23 00*3"}')
    assert isinstance(send.payload, Payload)
    assert send.payload.static == b"\x23\x00\x00\x00"
