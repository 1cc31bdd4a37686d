"""The receive buffer alone: frames, ``until`` cuts and stream matches, with no sockets and no trio.

Whatever pieces the bytes arrive in, the buffer finds the same frames; the
search resumes where it stopped, so it is also linear for long frames.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.buffer import ReceiveBuffer
from sockscen.framing import CRLF, LINE, Framing, FramingError, length_prefixed
from sockscen.matchers import Exact, Matched, Mismatch, NeedMore
from sockscen.payloads import bytes_payload
from sockscen.placeholders import Ref


def no_lookup(ref: Ref) -> str:
    raise AssertionError(f"no placeholder expected, got {ref.text}")


def frames_of(chunks: list[bytes], framing: Framing, limit: int = 1 << 16) -> list[bytes]:
    """Feed *chunks* one by one, taking every complete frame as soon as it is there."""
    buffer = ReceiveBuffer(limit)
    found = []
    for chunk in chunks:
        buffer.feed(chunk)
        while (got := buffer.next_frame(framing)) is not None:
            frame, consumed = got
            buffer.consume(consumed)
            found.append(frame)
    return found


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


messages = st.lists(st.binary(max_size=40).filter(lambda b: b"\n" not in b), max_size=8)


@given(messages, st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_any_split_of_line_frames_gives_the_same_frames(msgs: list[bytes], cuts: list[int]) -> None:
    data = b"".join(m + b"\n" for m in msgs)
    assert msgs == frames_of(split(data, cuts), LINE)


@given(
    st.lists(st.binary(max_size=300), max_size=6),
    st.lists(st.integers(min_value=0, max_value=2000), max_size=12),
)
def test_any_split_of_length_prefixed_frames_gives_the_same_frames(
    msgs: list[bytes], cuts: list[int]
) -> None:
    framing = length_prefixed(2)
    data = b"".join(framing.encode(m) for m in msgs)
    assert msgs == frames_of(split(data, cuts), framing)


def test_a_delimiter_split_across_chunks_is_found() -> None:
    assert [b"a", b"b"] == frames_of([b"a\r", b"\nb", b"\r", b"\n"], CRLF)


def test_until_cuts_at_the_first_delimiter_and_counts_it() -> None:
    buffer = ReceiveBuffer(100)
    buffer.feed(b"key=va")
    assert buffer.until(b";;") is None
    buffer.feed(b"lue;;rest")
    assert (b"key=value", 11) == buffer.until(b";;")
    buffer.consume(11)
    assert b"rest" == buffer.peek()


def test_a_new_search_starts_from_the_front() -> None:
    """The remembered offset belongs to one search: another delimiter looks from the start."""
    buffer = ReceiveBuffer(100)
    buffer.feed(b"ab|cd")
    assert buffer.until(b"#") is None
    buffer.begin()
    assert (b"ab", 3) == buffer.until(b"|")


def test_stream_match_waits_then_matches_then_consumes() -> None:
    matcher = Exact(payload=bytes_payload(b"hello"))
    buffer = ReceiveBuffer(100)
    assert isinstance(buffer.match(matcher, no_lookup), NeedMore)
    buffer.feed(b"hel")
    assert isinstance(buffer.match(matcher, no_lookup), NeedMore)
    buffer.feed(b"lo world")
    result = buffer.match(matcher, no_lookup)
    assert Matched(5) == result
    buffer.consume(5)
    assert b" world" == buffer.peek()


def test_stream_match_sees_the_end_of_stream() -> None:
    matcher = Exact(payload=bytes_payload(b"hello"))
    buffer = ReceiveBuffer(100)
    buffer.feed(b"he")
    buffer.feed(b"")
    assert buffer.eof
    result = buffer.match(matcher, no_lookup)
    assert isinstance(result, Mismatch)
    assert "closed the connection after 2 of 5" in result.reason


def test_the_buffer_is_full_at_its_limit() -> None:
    buffer = ReceiveBuffer(4)
    buffer.feed(b"abc")
    assert not buffer.full
    buffer.feed(b"d")
    assert buffer.full


def test_a_length_prefix_beyond_the_limit_is_refused() -> None:
    buffer = ReceiveBuffer(10)
    buffer.feed(b"\x00\xff")
    with pytest.raises(FramingError, match="announces 255 bytes, more than the limit of 10"):
        buffer.next_frame(length_prefixed(2))


def test_peek_copies_at_most_what_is_asked() -> None:
    buffer = ReceiveBuffer(10)
    buffer.feed(b"abcdef")
    assert b"abc" == buffer.peek(3)
    assert 6 == len(buffer)
    assert buffer
