"""Each step kind run by a trio actor over memory connections (``sockscen.testing``), no sockets.

Time is trio's ``MockClock`` (autojump): timeouts, sleeps and silences take
no real time.  What is asserted is what users see: the outcome, the failure
message and evidence, the bytes the peer got, the transcript.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
import trio
import trio.testing

import sockscen.steps
from sockscen import model
from sockscen.errors import Location
from sockscen.framing import LINE
from sockscen.matchers import Exact, Regex, compile_pattern
from sockscen.model import Step
from sockscen.payloads import TextPart, bytes_payload, make_payload, text_payload
from sockscen.placeholders import parse_template, static
from sockscen.results import ActorResult, Failure, Outcome
from sockscen.state import ScenarioState
from sockscen.steps import STEP_KINDS, describe_step
from sockscen.steps.abort import Abort
from sockscen.steps.close import Close
from sockscen.steps.expect import Expect
from sockscen.steps.expect_eof import ExpectEof
from sockscen.steps.expect_silence import ExpectSilence
from sockscen.steps.notify import Notify
from sockscen.steps.repeat import Repeat
from sockscen.steps.send import Send
from sockscen.steps.shutdown import Shutdown
from sockscen.steps.sleep import Sleep
from sockscen.steps.wait import Wait
from sockscen.testing import (
    MemoryConnection,
    memory_actor,
    memory_datagram_pair,
    memory_stream_pair,
)
from sockscen.transport import TransportError

HERE = Location("steps.yaml", 7, 9)
T = TypeVar("T")


def run(main: Callable[[], Awaitable[T]]) -> T:
    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def send(text: str, **kw: Any) -> Send:
    return Send("1", HERE, text_payload(text), **kw)


def expect(data: bytes, label: str = "1", timeout: float | None = None) -> Expect:
    return Expect(label, HERE, Exact(payload=bytes_payload(data)), timeout)


def regex(pattern: str) -> Expect:
    return Expect("1", HERE, Regex(pattern=static(pattern), compiled=compile_pattern(pattern)))


async def gather(conn: MemoryConnection) -> bytes:
    """Everything the peer sends until end of stream."""
    got = b""
    while data := await conn.receive():
        got += data
    return got


def run_steps(
    steps: tuple[Step, ...],
    peer: Callable[[MemoryConnection], Awaitable[object]] | None = None,
    **actor_options: Any,
) -> ActorResult:
    """Run *steps* in an actor; *peer* drives the other end meanwhile."""

    async def main() -> ActorResult:
        ours, theirs = memory_stream_pair()
        actor = memory_actor(ours, **actor_options)
        async with trio.open_nursery() as nursery:
            if peer is not None:
                nursery.start_soon(peer, theirs)
            return await actor.run(steps)

    return run(main)


def failure_of(result: ActorResult) -> Failure:
    assert result.outcome is Outcome.FAILED
    assert result.failure is not None
    return result.failure


def events(result: ActorResult) -> list[tuple[str, bytes, str]]:
    return [(e.kind, e.data, e.note) for e in result.transcript]


# --------------------------------------------------------------------------- the registry


def test_every_step_of_the_model_has_a_kind_named_by_its_yaml_key() -> None:
    """Each module under ``steps/`` declaring step classes declares one, as its registered kind."""
    declared = {}
    for info in pkgutil.iter_modules(sockscen.steps.__path__):
        module = importlib.import_module(f"sockscen.steps.{info.name}")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, model.Step)
            and value is not model.Step
            and value.__module__ == module.__name__
        ]
        if classes:
            assert [module.KIND.model] == classes, info.name
            assert info.name == module.KIND.key
            declared[classes[0]] = module.KIND
    assert declared == STEP_KINDS
    keys = {cls: kind.key for cls, kind in STEP_KINDS.items()}
    assert keys[ExpectSilence] == "expect_silence"
    assert keys[ExpectEof] == "expect_eof"
    assert len(set(keys.values())) == len(keys)


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (send("hi\n", chunk=2), 'send "hi\\n" in 2-byte chunks'),
        (expect(b"ok"), 'expect "ok"'),
        (ExpectEof("1", HERE), "expect_eof"),
        (ExpectSilence("1", HERE, 0.5), "expect_silence 0.5s"),
        (Sleep("1", HERE, 0.25), "sleep 0.25s"),
        (Close("1", HERE), "close"),
        (Shutdown("1", HERE), "shutdown"),
        (Abort("1", HERE), "abort"),
        (Notify("1", HERE, "go"), "notify go"),
        (Wait("1", HERE, "go"), "wait go"),
        (Repeat("1", HERE, (send("a"), expect(b"a")), 3), "repeat 2 steps 3 times"),
        (Repeat("1", HERE, (expect(b"a"),)), "repeat 1 steps until the peer closes"),
    ],
)
def test_each_kind_describes_itself_for_reports(step: Step, text: str) -> None:
    assert text == describe_step(step)


# --------------------------------------------------------------------------- send


def test_send_writes_the_payload_and_notes_it() -> None:
    got: list[bytes] = []

    async def peer(conn: MemoryConnection) -> None:
        got.append(await gather(conn))

    result = run_steps((send("hello\n"), Close("2", HERE)), peer)
    assert Outcome.PASSED is result.outcome
    assert [b"hello\n"] == got
    assert ("sent", b"hello\n", "") == events(result)[0]
    assert ["send", "close"] == [s.kind for s in result.steps]


def test_send_in_chunks_with_gaps_and_framing() -> None:
    pieces: list[bytes] = []

    async def peer(conn: MemoryConnection) -> None:
        while data := await conn.receive():
            pieces.append(data)

    result = run_steps((send("abcde", chunk=2, gap=0.5), Close("2", HERE)), peer, framing=LINE)
    assert [b"ab", b"cd", b"e\n"] == pieces
    assert ["chunk 1/3", "chunk 2/3", "chunk 3/3"] == [
        n for k, _, n in events(result) if k == "sent"
    ]


def test_send_on_a_closed_connection_fails_saying_which_step_closed_it() -> None:
    result = run_steps((Close("1", HERE), Send("2", HERE, text_payload("late"))))
    failure = failure_of(result)
    assert "the connection is already closed (step 1 closed it)" == failure.message
    assert "2" == failure.step
    assert HERE == failure.location


# --------------------------------------------------------------------------- expect


def test_expect_matches_data_split_in_any_pieces() -> None:
    async def peer(conn: MemoryConnection) -> None:
        for piece in (b"he", b"ll", b"o wor", b"ld"):
            await conn.send(piece)

    result = run_steps((expect(b"hello", "1"), expect(b" world", "2")), peer)
    assert Outcome.PASSED is result.outcome
    assert ["1", "2"] == [s.label for s in result.steps]


def test_expect_mismatch_shows_expected_and_received() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"nope\n")

    failure = failure_of(run_steps((expect(b"yes\n"),), peer))
    assert "different bytes at offset 0" == failure.message
    assert b"yes\n" == failure.expected
    assert failure.received is not None
    assert failure.received.startswith(b"nop")
    assert 'expect "yes\\n"' == failure.step_text


def test_expect_timeout_says_nothing_arrived() -> None:
    failure = failure_of(run_steps((expect(b"hello", timeout=2.0),)))
    assert failure.message.startswith("timed out after ")
    assert failure.message.endswith("waiting for the expected data; nothing arrived")
    assert b"hello" == failure.expected


def test_expect_timeout_counts_what_arrived() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"hel")

    failure = failure_of(run_steps((expect(b"hello", timeout=2.0),), peer))
    assert failure.message.endswith("; 3 unconsumed bytes arrived")
    assert b"hel" == failure.received


def test_expect_with_line_framing_checks_whole_frames() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"one\ntw")
        await conn.send(b"o\n")

    steps = (expect(b"one", "1"), expect(b"two", "2"))
    assert Outcome.PASSED is run_steps(steps, peer, framing=LINE).outcome


def test_expect_fails_when_the_peer_closes_before_a_complete_frame() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"partial")
        await conn.shutdown()

    failure = failure_of(run_steps((expect(b"partial"),), peer, framing=LINE))
    assert "the peer closed the connection before a complete frame arrived" == failure.message
    assert b"partial" == failure.received


def test_regex_captures_feed_later_placeholders() -> None:
    got: list[bytes] = []

    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"id=42;")
        got.append(await conn.receive())

    reply = Send("2", HERE, make_payload((TextPart(parse_template("got ${id}")),)))
    result = run_steps((regex(r"id=(?P<id>\d+);"), reply), peer)
    assert Outcome.PASSED is result.outcome
    assert [b"got 42"] == got


def test_expect_bounded_by_the_read_limit() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"x" * 8)

    failure = failure_of(run_steps((regex("x+y"),), peer, max_buffer=8))
    assert (
        "received 8 bytes without meeting the expectation "
        "(the limit is 8 bytes; see --max-buffer)" == failure.message
    )


def test_expect_larger_than_the_read_limit_fails_before_waiting() -> None:
    failure = failure_of(run_steps((expect(b"y" * 20),), max_buffer=8))
    assert (
        "this expectation needs 20 bytes, more than the read limit of 8 bytes: "
        "raise --max-buffer" == failure.message
    )


def test_expect_a_datagram() -> None:
    async def main() -> tuple[ActorResult, ActorResult]:
        a, b = memory_datagram_pair()
        sender = memory_actor(a, label="sender")
        receiver = memory_actor(b, label="receiver", role="server")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sender.run, (send("ping"), send("pong")))
            got = await receiver.run((expect(b"ping", "1"), expect(b"pang", "2")))
        return sender.result, got

    _, got = run(main)
    failure = failure_of(got)
    assert "2" == failure.step
    assert b"pong" == failure.received


# --------------------------------------------------------------------------- end of stream, silence


def test_expect_eof_passes_when_the_peer_shuts_down() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.shutdown()

    result = run_steps((ExpectEof("1", HERE),), peer)
    assert Outcome.PASSED is result.outcome
    assert ("eof", b"", "") in events(result)


def test_expect_eof_fails_on_data() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"abc")

    failure = failure_of(run_steps((ExpectEof("1", HERE),), peer))
    assert "expected the peer to close the connection, but 3 more bytes arrived" == failure.message
    assert "end of stream" == failure.expected_text


def test_expect_eof_timeout_names_what_it_waited_for() -> None:
    failure = failure_of(run_steps((ExpectEof("1", HERE, timeout=1.0),)))
    assert failure.message.endswith("waiting for the peer to close the connection")


def test_silence_passes_in_mock_time() -> None:
    async def main() -> tuple[ActorResult, float]:
        ours, _theirs = memory_stream_pair()
        actor = memory_actor(ours)
        start = trio.current_time()
        result = await actor.run((ExpectSilence("1", HERE, 30.0),))
        return result, trio.current_time() - start

    result, elapsed = run(main)
    assert Outcome.PASSED is result.outcome
    assert elapsed == pytest.approx(30.0)


def test_silence_broken_by_data() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await trio.sleep(1)
        await conn.send(b"hi")

    failure = failure_of(run_steps((ExpectSilence("1", HERE, 5.0),), peer))
    assert "expected 5s of silence, but 2 bytes arrived" == failure.message


def test_silence_broken_by_the_peer_closing() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await trio.sleep(1)
        conn.close()

    failure = failure_of(run_steps((ExpectSilence("1", HERE, 5.0),), peer))
    assert "expected 5s of silence, but the peer closed the connection" == failure.message


def test_silence_broken_by_a_datagram() -> None:
    async def main() -> ActorResult:
        a, b = memory_datagram_pair()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(a.send, b"123")
            return await memory_actor(b).run((ExpectSilence("1", HERE, 5.0),))

    failure = failure_of(run(main))
    assert "expected 5s of silence, but a 3-byte datagram arrived" == failure.message


# ------------------------------------------------------------- sleep, close, shutdown, abort


def test_sleep_takes_its_duration_even_past_the_step_timeout() -> None:
    async def main() -> tuple[ActorResult, float]:
        ours, _theirs = memory_stream_pair()
        start = trio.current_time()
        result = await memory_actor(ours, timeout=1.0).run((Sleep("1", HERE, 10.0),))
        return result, trio.current_time() - start

    result, elapsed = run(main)
    assert Outcome.PASSED is result.outcome
    assert elapsed == pytest.approx(10.0)


def test_close_ends_the_peer_stream() -> None:
    got: list[bytes] = []

    async def peer(conn: MemoryConnection) -> None:
        got.append(await gather(conn))

    result = run_steps((send("bye"), Close("2", HERE)), peer)
    assert [b"bye"] == got
    assert ("closed", b"", "") in events(result)


def test_shutdown_half_closes_and_keeps_reading() -> None:
    async def peer(conn: MemoryConnection) -> None:
        request = await gather(conn)
        await conn.send(b"echo:" + request)
        await conn.shutdown()

    steps = (send("q"), Shutdown("2", HERE), expect(b"echo:q", "3"), ExpectEof("4", HERE))
    result = run_steps(steps, peer)
    assert Outcome.PASSED is result.outcome


def test_abort_resets_the_peer() -> None:
    async def main() -> ActorResult:
        ours, theirs = memory_stream_pair(names=("memory:client", "memory:server"))
        peer = memory_actor(theirs, label="server", role="server")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(memory_actor(ours).run, (Abort("1", HERE),))
            return await peer.run((expect(b"never"),))

    failure = failure_of(run(main))
    assert "the connection to memory:client was reset by the peer" == failure.message


# --------------------------------------------------------------------------- events


def test_wait_resumes_when_another_actor_notifies() -> None:
    async def main() -> tuple[ActorResult, ActorResult]:
        state = ScenarioState(started=0.0, default_timeout=5.0, max_buffer=1024)
        a, _ = memory_stream_pair()
        b, _ = memory_stream_pair()
        waiter = memory_actor(a, label="waiter", state=state)
        notifier = memory_actor(b, label="notifier", state=state)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(waiter.run, (Wait("1", HERE, "go"),))
            await trio.sleep(2)
            await notifier.run((Notify("1", HERE, "go"),))
        return waiter.result, notifier.result

    waiter, notifier = run(main)
    assert Outcome.PASSED is waiter.outcome
    assert ("wait", b"", "go") in events(waiter)
    assert ("notify", b"", "go") in events(notifier)


def test_wait_timeout_asks_whether_anyone_notifies() -> None:
    failure = failure_of(run_steps((Wait("1", HERE, "go", timeout=3.0),)))
    assert failure.message.endswith("waiting for event 'go' (did an actor notify it?)")


# --------------------------------------------------------------------------- repeat


def test_repeat_with_count_labels_iterations() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"a")
        await conn.send(b"a")
        await conn.send(b"b")

    body = (Expect("1.1", HERE, Exact(payload=bytes_payload(b"a"))),)
    failure = failure_of(run_steps((Repeat("1", HERE, body, 3),), peer))
    assert "1.1 (iteration 3)" == failure.step


def test_repeat_without_count_ends_when_the_peer_closes() -> None:
    async def peer(conn: MemoryConnection) -> None:
        for _ in range(5):
            await conn.send(b"ping")
            assert b"ping" == await conn.receive()
        await conn.shutdown()

    body = (
        Expect("1.1", HERE, Exact(payload=bytes_payload(b"ping"))),
        Send("1.2", HERE, text_payload("ping")),
    )
    result = run_steps((Repeat("1", HERE, body),), peer)
    assert Outcome.PASSED is result.outcome
    assert 11 == len(result.steps)
    assert ("repeat", "1") == (result.steps[-1].kind, result.steps[-1].label)


def test_repeat_without_count_must_make_progress() -> None:
    async def peer(conn: MemoryConnection) -> None:
        await conn.send(b"x")

    body = (Expect("1.1", HERE, Exact(payload=bytes_payload(b""))),)
    failure = failure_of(run_steps((Repeat("1", HERE, body),), peer))
    assert failure.message.startswith("this repeat (without count) made no progress")
    assert "1 (iteration 1)" == failure.step


def test_a_memory_stream_refuses_use_after_close() -> None:
    async def main() -> None:
        ours, _ = memory_stream_pair()
        ours.close()
        with pytest.raises(TransportError, match="the connection is closed"):
            await ours.send(b"x")

    run(main)
