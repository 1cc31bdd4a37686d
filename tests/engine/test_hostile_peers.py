"""Scripted actors against hostile peers: floods, huge frames, regexes that explode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from sockscen.actor import Actor
from sockscen.results import Outcome
from sockscen.steps.expect import QUIET_PAUSE
from tests.engine.conftest import RunYaml, assert_passed, explain


def test_a_repeated_group_on_a_huge_frame_fails_the_step_not_the_runner(
    run_yaml: RunYaml,
) -> None:
    # regex keeps every repetition of (x)+: on a 14 MiB line it raised MemoryError,
    # reported as "internal error in sockscen (this is a bug...)".
    result = run_yaml(
        """
        name: huge line against a capturing repeat
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: [{hex: "78*14680064"}, "\\n"]
              - expect_eof
        clients:
          c:
            connect: ${s.url}
            framing: line
            steps:
              - expect: {regex: "(x)+y"}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    assert result.error is None
    (failure,) = [f for f in result.failures if f.actor == "c"]
    assert failure.message.startswith("regex gave up: it ran out of memory on this input")
    assert "(?:x)+" in failure.message


def test_reset_after_delivers_its_bytes_to_a_peer_that_reads_late(run_yaml: RunYaml) -> None:
    # The reset discarded what the kernel still queued: a client that read after
    # 300ms got none of the 3,000,000 bytes, only "reset by the peer".
    result = run_yaml(
        """
        name: reset_after on a big write
        servers:
          s:
            listen: tcp://127.0.0.1:0
            faults: [{reset_after: 3000000}]
            handle:
              - send: {hex: "78*4000000"}
        clients:
          c:
            connect: ${s.url}
            steps:
              - sleep: 300ms
              - expect: {length: 3000000}
              - expect_reset
        """
    )
    assert_passed(result)


def test_reset_after_on_a_proxy_delivers_its_bytes_then_the_reset(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: reset_after through a proxy
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: {hex: "78*4000000"}
        proxies:
          p:
            listen: tcp://127.0.0.1:0
            upstream: ${s.url}
            downstream_faults: [{reset_after: 2500000}]
        clients:
          c:
            connect: ${p.url}
            steps:
              - sleep: 300ms
              - expect: {length: 2500000}
              - expect_reset
        """
    )
    assert_passed(result)


def test_a_flood_against_a_stream_regex_fails_at_the_read_limit_not_past_its_timeout(
    run_yaml: RunYaml,
) -> None:
    # The regex ran over all the unread data after every 64 KiB read: quadratic, so
    # the step timed out with 10 MB read (and overshot its timeout by seconds).
    result = run_yaml(
        """
        name: flood against a regex
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: {hex: "78*17000000"}
        clients:
          c:
            connect: ${s.url}
            steps:
              - {expect: {regex: "x+y"}, timeout: 3s}
        """
    )
    assert result.outcome is Outcome.FAILED, explain(result)
    (failure,) = [f for f in result.failures if f.actor == "c"]
    assert failure.message.startswith("received 16")
    assert failure.message.endswith(
        "bytes without meeting the expectation (the limit is 16777216 bytes; see --max-buffer)"
    )


def test_a_large_stream_match_completed_after_a_pause_passes(run_yaml: RunYaml) -> None:
    result = run_yaml(
        """
        name: large regex match, the end arriving late
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - send: {hex: "78*300000"}
              - sleep: 200ms
              - send: "y"
              - send: [{hex: "78*300000"}, "y"]
              - expect_eof
        clients:
          c:
            connect: ${s.url}
            steps:
              - {expect: {regex: "x+y"}, timeout: 2s}
              - {expect: {regex: "x+y"}, timeout: 2s}
              - close
        """
    )
    assert_passed(result)


def test_small_stream_reads_wait_without_a_timer(
    run_yaml: RunYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deferring a stream matcher (with a 10 ms timer) is for floods past 64 KiB only.

    It once ran for every read of a plain round trip, and a timer per wait made
    every round trip half as slow again (bench/echo_roundtrip.py: 1.07x -> 1.61x).
    """
    timed: list[float] = []
    within = Actor.within

    async def counting(
        self: Actor, seconds: float, work: Callable[[], Awaitable[bytes]]
    ) -> bytes | None:
        timed.append(seconds)
        return await within(self, seconds, work)

    monkeypatch.setattr(Actor, "within", counting)
    result = run_yaml(
        """
        name: echo
        servers:
          s:
            listen: tcp://127.0.0.1:0
            handle:
              - repeat: {count: 20, steps: [{expect: "ping"}, {send: "pong"}]}
        clients:
          c:
            connect: ${s.url}
            steps:
              - repeat: {count: 20, steps: [{send: "ping"}, {expect: "pong"}]}
        """
    )
    assert_passed(result)
    assert QUIET_PAUSE not in timed, timed
