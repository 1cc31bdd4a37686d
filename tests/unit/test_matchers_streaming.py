"""Matchers on an unframed byte stream (``match_stream``), however the bytes are split on the way.

The engine keeps the unread bytes in a ``bytearray``, asks the matcher after
every receive, stops at the first decision (``Matched`` or ``Mismatch``) and
asks once more with ``eof=True`` when the peer closes.  ``feed`` below does
the same without sockets; the trio tests deliver the bytes through in-memory
streams in arbitrary pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from sockscen.matchers import (
    NEED_MORE,
    AnyData,
    Contains,
    Exact,
    JsonSubset,
    Length,
    Matched,
    MatchOutcome,
    Mismatch,
    NeedMore,
    Regex,
    compile_pattern,
)
from sockscen.payloads import TextPart, bytes_payload, make_payload, text_payload
from sockscen.placeholders import PlaceholderError, Ref, parse_template

Matcher = Exact | Regex | Length | Contains | JsonSubset | AnyData


def lookup(ref: Ref) -> str:
    if ref.path == ("word",):
        return "hello"
    raise PlaceholderError(f"unknown placeholder {ref.text}")


def regex(pattern: str) -> Regex:
    template = parse_template(pattern)
    compiled = compile_pattern(template.static_value) if template.is_static else None
    return Regex(pattern=template, compiled=compiled)


def exact(data: bytes) -> Exact:
    return Exact(payload=bytes_payload(data))


def feed(
    matcher: Matcher, chunks: Sequence[bytes], *, eof: bool = True, incremental: bool = True
) -> tuple[list[MatchOutcome], bytes]:
    """Deliver *chunks* one by one as the engine does; return every outcome and the unread rest.

    The matcher is asked before any data, after each chunk, and (when *eof*)
    once the stream has ended.  Feeding stops at the first decision; a match
    removes the consumed bytes from the buffer.  Like the engine, it tells the
    matcher how much of the buffer it already saw (``checked``) unless
    *incremental* is False.
    """
    buffer = bytearray()
    outcomes: list[MatchOutcome] = []
    pending = list(chunks)
    checked = 0
    while True:
        outcome = matcher.match_stream(buffer, not pending and eof, lookup, checked)
        outcomes.append(outcome)
        if isinstance(outcome, Matched):
            del buffer[: outcome.consumed]
        if not isinstance(outcome, NeedMore) or not pending:
            return outcomes, bytes(buffer) + b"".join(pending)
        if incremental:
            checked = len(buffer)  # what this call already looked at
        buffer += pending.pop(0)


def decision(outcome: MatchOutcome) -> tuple[Any, ...]:
    """What must not depend on how the data was split (``shown`` may: it is evidence)."""
    if isinstance(outcome, Matched):
        return ("matched", outcome.consumed, outcome.captures)
    if isinstance(outcome, Mismatch):
        return ("mismatch", outcome.reason)
    return ("need more",)


# --------------------------------------------------------------------------- exact


def test_exact_prefix_needs_more() -> None:
    """Every proper prefix of the expected bytes (the empty one too) asks for more data."""
    matcher = exact(b"hello")
    assert [NEED_MORE] * 5 == [matcher.match_stream(b"hello"[:n], False, lookup) for n in range(5)]
    assert NeedMore() == NEED_MORE


def test_exact_consumes_only_its_bytes() -> None:
    """A match consumes exactly the expected length; what follows stays for the next step."""
    assert Matched(5) == exact(b"hello").match_stream(b"hello world", False, lookup)
    outcomes, rest = feed(exact(b"hello"), [b"he", b"llo wo", b"rld"])
    assert [NEED_MORE, NEED_MORE, Matched(5)] == outcomes
    assert b" world" == rest


@pytest.mark.parametrize(
    ("buffer", "reason", "shown"),
    [
        (b"x", "different bytes at offset 0", 1),
        (b"hex", "different bytes at offset 2", 3),
        (b"hallo world", "different bytes at offset 1", 5),
        (b"hellO", "different bytes at offset 4", 5),
    ],
)
def test_exact_fails_at_the_first_differing_byte(buffer: bytes, reason: str, shown: int) -> None:
    """A wrong byte fails at once (no waiting for the timeout), naming its offset."""
    assert Mismatch(reason, shown) == exact(b"hello").match_stream(buffer, False, lookup)


def test_exact_early_mismatch_while_streaming() -> None:
    """Split deliveries fail as soon as the chunk holding the first wrong byte arrives."""
    outcomes, rest = feed(exact(b"hello world"), [b"hel", b"lo", b" W", b"orld"])
    assert [NEED_MORE, NEED_MORE, NEED_MORE, Mismatch("different bytes at offset 6", 7)] == outcomes
    assert b"hello World" == rest  # a mismatch consumes nothing: the report shows the data


@pytest.mark.parametrize(("buffer", "got"), [(b"", 0), (b"hel", 3)])
def test_exact_eof_mid_way(buffer: bytes, got: int) -> None:
    """When the peer closes before all expected bytes arrived, the message says how many came."""
    expected = Mismatch(f"the peer closed the connection after {got} of 5 expected bytes", got)
    assert expected == exact(b"hello").match_stream(buffer, True, lookup)
    outcomes, _ = feed(exact(b"hello"), [buffer] if buffer else [])
    assert expected == outcomes[-1]


def test_exact_empty_expected_payload() -> None:
    """An empty expected payload matches at once, consuming nothing, even on an empty stream."""
    matcher = exact(b"")
    assert Matched(0) == matcher.match_stream(b"", False, lookup)
    assert Matched(0) == matcher.match_stream(b"", True, lookup)
    assert Matched(0) == matcher.match_stream(b"abc", False, lookup)


def test_exact_with_placeholder_on_stream() -> None:
    """Placeholders in the expected bytes are rendered before comparing."""
    matcher = Exact(payload=make_payload((TextPart(parse_template("${word}!")),)))
    outcomes, _ = feed(matcher, [b"hel", b"lo!"])
    assert [NEED_MORE, NEED_MORE, Matched(6)] == outcomes


# --------------------------------------------------------------------------- regex

STATUS = r"HTTP/1\.1 (?P<code>\d{3}) "


def test_regex_waits_for_a_match_that_needs_more_data() -> None:
    """A regex that cannot match yet waits; once it can, it consumes the match and captures."""
    matcher = regex(STATUS)
    assert NEED_MORE == matcher.match_stream(b"HTTP/1.1 2", False, lookup)
    assert Matched(13, {"code": "200"}) == matcher.match_stream(
        b"HTTP/1.1 200 OK\r\n", False, lookup
    )
    outcomes, rest = feed(matcher, [b"HTTP/1.1 2", b"00", b" OK\r\n"])
    assert [NEED_MORE, NEED_MORE, NEED_MORE, Matched(13, {"code": "200"})] == outcomes
    assert b"OK\r\n" == rest


def test_regex_on_empty_buffer_waits() -> None:
    """An empty buffer is never matched before EOF, even by a regex that accepts nothing."""
    assert NEED_MORE == regex("a*").match_stream(b"", False, lookup)
    assert NEED_MORE == regex("hello").match_stream(bytearray(), False, lookup)
    assert Matched(0) == regex("a*").match_stream(b"", True, lookup)


def test_regex_must_match_at_the_start_of_unread_data() -> None:
    """The match is anchored at the unread data: text further on does not count."""
    matcher = regex("hello")
    assert NEED_MORE == matcher.match_stream(b"say hello", False, lookup)
    assert Mismatch(
        "the data does not match the regex and the peer closed the connection", 9
    ) == matcher.match_stream(b"say hello", True, lookup)


def test_regex_eof_without_match() -> None:
    """After EOF a regex that does not match fails; the evidence is the whole buffer."""
    outcomes, _ = feed(regex(STATUS), [b"HTTP/1.1 2"])
    assert (
        Mismatch("the data does not match the regex and the peer closed the connection", 10)
        == outcomes[-1]
    )


def test_regex_named_groups_become_captures() -> None:
    """Every named group that took part is captured as text."""
    matcher = regex(r"(?P<key>[a-z]+)=(?P<value>[^;]*);(?P<opt>!)?")
    assert Matched(8, {"key": "id", "value": "4242"}) == matcher.match_stream(
        b"id=4242;rest", False, lookup
    )


def test_regex_non_utf8_capture_round_trips() -> None:
    """Captured bytes that are not UTF-8 come back as the same bytes when sent again."""
    matcher = regex(rb"(?P<tok>.{4})\n".decode())
    outcomes, _ = feed(matcher, [b"\xff\xfe", b"\x00\x80\nnext"])
    result = outcomes[-1]
    assert Matched(5, {"tok": "\udcff\udcfe\x00\udc80"}) == result
    assert isinstance(result, Matched)
    echo = make_payload((TextPart(parse_template("${tok}")),))
    assert b"\xff\xfe\x00\x80" == echo.render(lambda ref: result.captures[ref.head])


def test_regex_with_placeholder_on_stream() -> None:
    """A pattern with placeholders is compiled with the values escaped, at match time."""
    matcher = regex(r"${word}(?P<n>\d+)\n")
    assert Matched(9, {"n": "123"}) == matcher.match_stream(b"hello123\n", False, lookup)


# ------------------------------------------------------------- length, any, frame-only


def test_length_on_stream() -> None:
    """``length`` waits for N bytes, consumes exactly N, and says how many came before an EOF."""
    outcomes, rest = feed(Length(length=4), [b"ab", b"cdef"])
    assert [NEED_MORE, NEED_MORE, Matched(4)] == outcomes
    assert b"ef" == rest
    assert Matched(0) == Length(length=0).match_stream(b"", False, lookup)
    assert (
        Mismatch("the peer closed the connection after 2 of 4 bytes", 2)
        == feed(Length(length=4), [b"ab"])[0][-1]
    )


def test_any_on_stream() -> None:
    """``any`` waits for at least one byte, then takes whatever is available."""
    assert NEED_MORE == AnyData().match_stream(b"", False, lookup)
    assert Matched(3) == AnyData().match_stream(b"abc", False, lookup)
    assert Mismatch("the peer closed the connection before sending anything", 0) == (
        AnyData().match_stream(b"", True, lookup)
    )


@pytest.mark.parametrize(
    ("matcher", "reason"),
    [
        (Contains(needle=text_payload("x")), "'contains' needs framing or 'until' on a stream"),
        (JsonSubset(value={}), "'json' needs framing or 'until' on a stream"),
    ],
)
def test_frame_only_matchers_on_a_raw_stream(matcher: Matcher, reason: str) -> None:
    """``contains`` and ``json`` cannot judge a raw stream: they fail saying what is missing."""
    assert Mismatch(reason, 0) == matcher.match_stream(b"x", False, lookup)


# --------------------------------------------------------------------------- any split


def splits(data: bytes) -> st.SearchStrategy[list[bytes]]:
    """Every way of cutting *data* into consecutive non-empty chunks."""
    cuts = st.sets(st.integers(min_value=1, max_value=max(1, len(data) - 1)), max_size=len(data))
    return cuts.map(
        lambda c: [
            data[a:b]
            for a, b in zip(
                [0, *sorted(x for x in c if x < len(data))],
                [*sorted(x for x in c if x < len(data)), len(data)],
                strict=True,
            )
        ]
    )


@given(st.binary(min_size=1, max_size=64), st.data())
def test_exact_on_any_split_needs_more_then_matches(expected: bytes, data: st.DataObject) -> None:
    """Any expected bytes in any pieces: NeedMore until the last piece, then Matched(len)."""
    chunks = data.draw(splits(expected))
    extra = data.draw(st.binary(max_size=8))
    outcomes, rest = feed(exact(expected), [*chunks[:-1], chunks[-1] + extra])
    assert [NEED_MORE] * len(chunks) + [Matched(len(expected))] == outcomes
    assert extra == rest


@given(st.binary(min_size=1, max_size=64), st.data())
def test_exact_mismatch_is_the_same_on_any_split(expected: bytes, data: st.DataObject) -> None:
    """A wrong byte at offset i fails 'from byte i' when its piece arrives, for any cut."""
    index = data.draw(st.integers(min_value=0, max_value=len(expected) - 1))
    wrong = bytes([(expected[index] + data.draw(st.integers(1, 255))) % 256])
    received = expected[:index] + wrong + expected[index + 1 :]
    chunks = data.draw(splits(received))
    outcomes, _ = feed(exact(expected), chunks)
    arrived = next(n for n in range(len(chunks)) if len(b"".join(chunks[: n + 1])) > index)
    assert [NEED_MORE] * (arrived + 1) == outcomes[:-1]
    assert ("mismatch", f"different bytes at offset {index}") == decision(outcomes[-1])


@given(st.binary(min_size=1, max_size=64), st.binary(max_size=80), st.data())
def test_exact_decides_the_same_with_or_without_the_checked_hint(
    expected: bytes, received: bytes, data: st.DataObject
) -> None:
    """``checked`` only saves work: outcomes are identical to looking at everything again."""
    chunks = data.draw(splits(received)) if received else []
    with_hint = feed(exact(expected), chunks)
    without = feed(exact(expected), chunks, incremental=False)
    assert without == with_hint


status_lines = st.builds(
    lambda code, reason: f"HTTP/1.1 {code} {reason}\r\n".encode(),
    st.integers(min_value=100, max_value=599),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", max_size=12),
)


@given(status_lines, st.data())
def test_regex_decision_is_the_same_on_any_split(line: bytes, data: st.DataObject) -> None:
    """A status-line regex gives the same match and captures however the line is cut."""
    matcher = regex(STATUS)
    whole, _ = feed(matcher, [line])
    outcomes, _ = feed(matcher, data.draw(splits(line)))
    assert ("matched", 13, {"code": line[9:12].decode()}) == decision(whole[-1])
    assert decision(whole[-1]) == decision(outcomes[-1])


# --------------------------------------------------------------------------- over trio streams


async def receive_and_match(
    stream: trio.abc.ReceiveStream, matcher: Matcher, sizes: Sequence[int]
) -> tuple[Any, ...]:
    """The engine's loop over a trio stream: receive pieces of the given sizes until decided."""
    buffer = bytearray()
    eof = False
    turn = 0
    while True:
        outcome = matcher.match_stream(buffer, eof, lookup)
        if not isinstance(outcome, NeedMore):
            return decision(outcome)
        assert not eof, "a matcher must decide once the stream has ended"
        data = await stream.receive_some(sizes[turn % len(sizes)])
        turn += 1
        if data:
            buffer += data
        else:
            eof = True


def run_over_memory_stream(
    matcher: Matcher, pieces: Sequence[bytes], sizes: Sequence[int], *, lockstep: bool = False
) -> tuple[Any, ...]:
    """Send *pieces* from one task, receive in *sizes* in another, and return the decision."""
    result: list[tuple[Any, ...]] = []

    async def main() -> None:
        pair = trio.testing.lockstep_stream_pair if lockstep else trio.testing.memory_stream_pair
        send_stream, receive_stream = pair()

        async def sender() -> None:
            async with send_stream:
                for piece in pieces:
                    await send_stream.send_all(piece)
                    await trio.lowlevel.checkpoint()

        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(sender)
                result.append(await receive_and_match(receive_stream, matcher, sizes))
                # The matcher may decide before everything is sent (early mismatch).
                nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    return result[0]


CASES: list[tuple[str, Matcher, bytes]] = [
    ("exact match", exact(b"*1\r\n$4\r\nPING\r\n"), b"*1\r\n$4\r\nPING\r\n+extra"),
    ("exact mismatch", exact(b"*1\r\n$4\r\nPING\r\n"), b"*1\r\n$4\r\nPONG\r\n"),
    ("exact eof mid-way", exact(b"*1\r\n$4\r\nPING\r\n"), b"*1\r\n$4"),
    ("regex", regex(STATUS), b"HTTP/1.1 404 Not Found\r\n"),
    ("regex eof", regex(STATUS), b"HTTP/1.1 40"),
    ("length", Length(length=10), b"0123456789abcdef"),
    ("length eof", Length(length=10), b"01234"),
]


@pytest.mark.parametrize(("matcher", "data"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_lockstep_delivery_byte_by_byte(matcher: Matcher, data: bytes) -> None:
    """Sent one byte at a time over a lockstep stream, the decision is the one-shot decision."""
    whole, _ = feed(matcher, [data])
    assert decision(whole[-1]) == run_over_memory_stream(
        matcher, [data[i : i + 1] for i in range(len(data))], [1], lockstep=True
    )


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CASES), st.data())
def test_memory_stream_any_split_same_decision(
    case: tuple[str, Matcher, bytes], data: st.DataObject
) -> None:
    """Whatever pieces are written and whatever sizes are read, the decision is the same."""
    _, matcher, payload = case
    pieces = data.draw(splits(payload))
    sizes = data.draw(st.lists(st.integers(min_value=1, max_value=32), min_size=1, max_size=6))
    whole, _ = feed(matcher, [payload])
    assert decision(whole[-1]) == run_over_memory_stream(matcher, pieces, sizes)
