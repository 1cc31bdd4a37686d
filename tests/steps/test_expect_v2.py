"""The v2 matcher forms run by the real ``expect`` step and receive buffer over memory connections.

However the peer's bytes are split into writes, the frames cut by
``until: {regex}`` and ``length`` beside another matcher are the same.
"""

from __future__ import annotations

import contextlib
import itertools

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from sockscen.errors import Location
from sockscen.loader import load_text
from sockscen.matchers import Matcher
from sockscen.results import ActorResult, Outcome
from sockscen.steps.expect import Expect
from sockscen.testing import MemoryConnection, memory_actor, memory_stream_pair
from sockscen.transport import TransportError

HERE = Location("steps.yaml", 7, 9)


def matchers(*lines: str) -> list[Matcher]:
    """The matchers of ``expect`` steps written as YAML flow mappings."""
    text = "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:7\n    steps:\n"
    text += "".join(f"      - expect: {line}\n" for line in lines)
    (scenario,) = load_text(text, "s.yaml", "/nonexistent", environ={})
    return [step.matcher for step in scenario.clients[0].steps]


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def run_expects(
    found: list[Matcher], chunks: list[bytes], max_buffer: int = 1 << 20
) -> ActorResult:
    """Run one expect per matcher while the peer writes *chunks*, then ends its stream."""
    steps = tuple(Expect(str(i), HERE, m) for i, m in enumerate(found, 1))

    async def peer(conn: MemoryConnection) -> None:
        # The actor may fail and close its end before everything is written.
        with contextlib.suppress(TransportError):
            for chunk in chunks:
                await conn.send(chunk)
            await conn.shutdown()

    async def main() -> ActorResult:
        ours, theirs = memory_stream_pair()
        actor = memory_actor(ours, max_buffer=max_buffer)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(peer, theirs)
            return await actor.run(steps)

    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def failure_message(result: ActorResult) -> str:
    assert result.outcome is Outcome.FAILED
    assert result.failure is not None
    return result.failure.message


REPLIES = (
    b"250-mx.example\r\n250-SIZE 1000\r\n250 HELP\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"
    b'{"ok":true}'
    b"\x81\x00\x00\x05\xde\xad\xbe\xef"
)
STEPS = (
    r'{until: {regex: "(?m)^250 [^\r\n]*\r\n"}, '
    r'all: [{contains: "SIZE"}, {not: {contains: "TLS"}}]}',
    r'{until: "\r\n\r\n", regex: "(?s).*Content-Length: (?P<n>\\d+)"}',
    '{length: "${n}", json: {ok: true}}',
    '{hex: "81 ?? 00 (len:1) (cas:4)"}',
)


@settings(deadline=None, max_examples=40)
@given(st.lists(st.integers(min_value=0, max_value=len(REPLIES)), max_size=10))
def test_any_split_of_the_replies_gives_the_same_frames(cuts: list[int]) -> None:
    result = run_expects(matchers(*STEPS), split(REPLIES, cuts))
    assert result.outcome is Outcome.PASSED, result.failure


def test_a_length_beyond_the_read_limit_fails_at_once() -> None:
    found = matchers('{regex: "(?P<n>\\\\d+)\\n"}', '{length: "${n}", text: "x"}')
    result = run_expects(found, [b"5000\n", b"x" * 10], max_buffer=1000)
    assert "needs 5000 bytes, more than the read limit of 1000 bytes" in failure_message(result)


@pytest.mark.parametrize(
    ("step", "data", "reason"),
    [
        ('{until: {regex: "\\r\\n"}}', b"no end", "closed the connection before the until regex"),
        ('{length: 4, text: "abcd"}', b"abcx", "in the 4 bytes read: different bytes"),
        ('{hex: "01 ?? 03"}', b"\x01\x02\x04", "different bytes at offset 2"),
    ],
)
def test_mismatches_and_early_ends_fail_the_step(step: str, data: bytes, reason: str) -> None:
    assert reason in failure_message(run_expects(matchers(step), [data]))
