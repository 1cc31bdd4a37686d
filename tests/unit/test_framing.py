"""Framing: cutting a byte stream into messages and writing one message as a frame."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sockscen.framing import (
    CRLF,
    LINE,
    NONE,
    Framing,
    FramingError,
    delimited,
    length_prefixed,
)

LIMIT = 1 << 20


@pytest.mark.parametrize(
    ("framing", "message", "wire"),
    [
        (NONE, b"raw", b"raw"),
        (LINE, b"hello", b"hello\n"),
        (CRLF, b"+PONG", b"+PONG\r\n"),
        (delimited(b"\r\n\r\n"), b"GET / HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n"),
        (delimited(b"\0"), b"", b"\0"),
        (length_prefixed(1), b"abc", b"\x03abc"),
        (length_prefixed(2), b"abc", b"\x00\x03abc"),
        (length_prefixed(2, "little"), b"abc", b"\x03\x00abc"),
        (length_prefixed(4), b"abc", b"\x00\x00\x00\x03abc"),
        (length_prefixed(4, "little"), b"abc", b"\x03\x00\x00\x00abc"),
        (length_prefixed(8), b"", b"\x00" * 8),
        (length_prefixed(8, "little"), b"x" * 258, b"\x02\x01" + b"\x00" * 6 + b"x" * 258),
    ],
)
def test_encode(framing: Framing, message: bytes, wire: bytes) -> None:
    """A message becomes one frame: delimiter appended, or its length in the prefix's byte order."""
    assert wire == framing.encode(message)


@pytest.mark.parametrize(
    ("framing", "buffer", "decoded"),
    [
        (LINE, b"one\ntwo\n", (b"one", 4)),
        (LINE, b"\nrest", (b"", 1)),
        (CRLF, b"a\nb\r\nc", (b"a\nb", 5)),
        (CRLF, b"a\r", None),
        (LINE, b"no newline yet", None),
        (LINE, b"", None),
        (delimited(b"END"), b"abcENDxyzEND", (b"abc", 6)),
        (delimited(b"END"), b"abcEN", None),
        (delimited(b"\r\n\r\n"), b"h: 1\r\nh: 2\r\n\r\nbody", (b"h: 1\r\nh: 2", 14)),
        (length_prefixed(1), b"\x02hiX", (b"hi", 3)),
        (length_prefixed(1), b"\x00", (b"", 1)),
        (length_prefixed(2), b"\x00", None),
        (length_prefixed(2), b"\x00\x03ab", None),
        (length_prefixed(2, "little"), b"\x03\x00abcd", (b"abc", 5)),
        (length_prefixed(4), b"\x00\x00\x00\x01Z", (b"Z", 5)),
        (length_prefixed(8, "little"), b"\x01" + b"\x00" * 7 + b"Q!", (b"Q", 9)),
        (NONE, b"anything", (b"anything", 8)),
        (NONE, b"", None),
    ],
)
def test_decode(framing: Framing, buffer: bytes, decoded: tuple[bytes, int] | None) -> None:
    """``decode`` gives the first frame (no delimiter/prefix) and the bytes it used, or None."""
    assert decoded == framing.decode(buffer, LIMIT)
    assert decoded == framing.decode(bytearray(buffer), LIMIT)


@pytest.mark.parametrize(("size", "order"), [(1, "big"), (2, "big"), (4, "little"), (8, "big")])
def test_every_partial_frame_needs_more(size: int, order: str) -> None:
    """Every proper prefix of a length-prefixed frame decodes to None (wait for more)."""
    framing = length_prefixed(size, order)  # type: ignore[arg-type]
    wire = framing.encode(b"payload")
    assert [None] * len(wire) == [framing.decode(wire[:n], LIMIT) for n in range(len(wire))]
    assert (b"payload", len(wire)) == framing.decode(wire, LIMIT)


def test_oversize_prefix_is_refused_before_the_data_arrives() -> None:
    """A prefix announcing more than the limit raises at once, naming both numbers."""
    framing = length_prefixed(4)
    with pytest.raises(FramingError) as info:
        framing.decode(b"\x00\x10\x00\x00", 1000)
    assert "the length prefix announces 1048576 bytes, more than the limit of 1000" == str(
        info.value
    )
    assert (b"x" * 1000, 1004) == framing.decode(b"\x00\x00\x03\xe8" + b"x" * 1000, 1000)


@pytest.mark.parametrize(("size", "limit"), [(1, 256), (2, 65536)])
def test_message_too_long_for_its_prefix(size: int, limit: int) -> None:
    """``encode`` refuses a message whose length does not fit the prefix."""
    framing = length_prefixed(size)
    assert limit - 1 + size == len(framing.encode(b"x" * (limit - 1)))
    with pytest.raises(FramingError) as info:
        framing.encode(b"x" * limit)
    assert f"a {limit}-byte message does not fit a {size}-byte length prefix" == str(info.value)


@pytest.mark.parametrize("size", [0, 3, 16, -1])
def test_prefix_sizes(size: int) -> None:
    """Only 1, 2, 4 and 8-byte prefixes exist."""
    with pytest.raises(FramingError, match="a length prefix is 1, 2, 4 or 8 bytes"):
        length_prefixed(size)


def test_prefix_byteorder() -> None:
    """The byte order is big or little."""
    with pytest.raises(FramingError, match="byteorder is big or little, not 'middle'"):
        length_prefixed(2, "middle")  # type: ignore[arg-type]


def test_empty_delimiter() -> None:
    """A delimiter cannot be empty."""
    with pytest.raises(FramingError, match="a framing delimiter cannot be empty"):
        delimited(b"")


@pytest.mark.parametrize(
    ("framing", "datagram", "message"),
    [
        (LINE, b"hi\n", b"hi"),
        (LINE, b"hi", b"hi"),
        (LINE, b"a\n\n", b"a\n"),
        (CRLF, b"+OK\r\n", b"+OK"),
        (delimited(b"||"), b"x||", b"x"),
        (length_prefixed(2), b"\x00\x02hi", b"hi"),
        (length_prefixed(2), b"\x00\x09hi", b"\x00\x09hi"),
        (length_prefixed(4), b"\x00", b"\x00"),
        (NONE, b"as is\n", b"as is\n"),
    ],
)
def test_unwrap_datagram(framing: Framing, datagram: bytes, message: bytes) -> None:
    """One trailing delimiter is stripped; a prefix only when it gives the exact length."""
    assert message == framing.unwrap_datagram(datagram)


@pytest.mark.parametrize(
    ("framing", "text"),
    [
        (NONE, "none"),
        (LINE, "line"),
        (CRLF, "crlf"),
        (delimited(b"\0"), "delimiter b'\\x00'"),
        (length_prefixed(4, "little"), "4-byte little-endian length prefix"),
    ],
)
def test_describe(framing: Framing, text: str) -> None:
    """Each framing has a short description for messages; only ``none`` is unframed."""
    assert text == framing.describe()
    assert (framing is not NONE) == framing.is_framed


prefixed = st.builds(
    length_prefixed, st.sampled_from([1, 2, 4, 8]), st.sampled_from(["big", "little"])
)
delimiters = st.one_of(
    st.just(LINE), st.just(CRLF), st.binary(min_size=1, max_size=4).map(delimited)
)


@given(prefixed, st.lists(st.binary(max_size=255), max_size=5), st.binary(max_size=3))
def test_length_prefix_round_trip(framing: Framing, messages: list[bytes], tail: bytes) -> None:
    """Any messages encoded one after another decode back, in order, leaving an incomplete tail."""
    wire = b"".join(framing.encode(m) for m in messages)
    buffer = bytearray(wire + tail[: framing.prefix_bytes - 1])
    decoded = []
    while (got := framing.decode(buffer, LIMIT)) is not None:
        decoded.append(got[0])
        del buffer[: got[1]]
    assert messages == decoded
    assert tail[: framing.prefix_bytes - 1] == bytes(buffer)


@given(delimiters, st.lists(st.binary(max_size=40), max_size=5))
def test_delimiter_round_trip(framing: Framing, messages: list[bytes]) -> None:
    """Messages not containing the delimiter decode back after encoding, in order."""
    delimiter = framing.delimiter
    # A message may not hold the delimiter, nor end with the start of one that the
    # delimiter after it would complete.
    messages = [m for m in messages if delimiter not in m + delimiter[:-1]]
    wire = b"".join(framing.encode(m) for m in messages)
    buffer = bytearray(wire)
    decoded = []
    while (got := framing.decode(buffer, LIMIT)) is not None:
        decoded.append(got[0])
        del buffer[: got[1]]
    assert messages == decoded
    assert b"" == bytes(buffer)


@given(st.one_of(prefixed, delimiters), st.binary(max_size=60))
def test_unwrap_datagram_inverts_encode(framing: Framing, message: bytes) -> None:
    """A datagram holding one encoded frame unwraps to the message (one delimiter stripped)."""
    assert message == framing.unwrap_datagram(framing.encode(message))
