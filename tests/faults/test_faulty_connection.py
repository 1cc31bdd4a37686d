"""The fault wrapper over memory connections, in mock time: what the peer gets, and when."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import trio
import trio.testing

from sockscen.connection import ConnectionFaulted
from sockscen.engine.faulty import FaultyConnection
from sockscen.faults import Plan
from sockscen.faults.delay import Delay
from sockscen.faults.drop import Drop
from sockscen.faults.hang import HangFault
from sockscen.faults.reset_after import ResetAfter
from sockscen.faults.slice import Slice
from sockscen.faults.slow_close import SlowClose
from sockscen.faults.truncate import Truncate
from sockscen.testing import memory_datagram_pair, memory_stream_pair
from sockscen.transport import TransportError

Body = Callable[[trio.Nursery, list[tuple[float, str, bytes, str]]], Awaitable[None]]


def run_mock(body: Body) -> list[tuple[float, str, bytes, str]]:
    notes: list[tuple[float, str, bytes, str]] = []

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await body(nursery, notes)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    return notes


def wrap(conn, faults, nursery, notes, *, stream=True):  # type: ignore[no-untyped-def]
    def note(kind: str, data: bytes, why: str) -> None:
        notes.append((trio.current_time(), kind, data, why))

    plan = Plan(faults, 5, ("test", "actor", 1), stream=stream)
    return FaultyConnection(conn, plan, note, nursery.start_soon)


async def arrivals(conn) -> list[tuple[float, bytes]]:  # type: ignore[no-untyped-def]
    got = []
    try:
        while data := await conn.receive():
            got.append((trio.current_time(), data))
    except TransportError as exc:
        got.append((trio.current_time(), str(exc).encode()))
    return got


def test_delay_and_slice_reach_the_peer_late_and_in_pieces() -> None:
    seen: list[list[tuple[float, bytes]]] = []

    async def body(nursery, notes):  # type: ignore[no-untyped-def]
        a, b = memory_stream_pair()
        faulty = wrap(a, [Delay(0.5), Slice(2, 0, 0.1)], nursery, notes)
        start = trio.current_time()

        async def read() -> None:
            seen.append([(round(t - start, 3), d) for t, d in await arrivals(b)])

        nursery.start_soon(read)
        await faulty.send(b"hello")
        faulty.close()

    notes = run_mock(body)
    assert [(0.5, b"he"), (0.6, b"ll"), (0.7, b"o")] == seen[0]
    assert [b"he", b"ll", b"o"] == [d for _, kind, d, _ in notes if kind == "sent"]
    assert any("delay" in why for *_, why in notes)


def test_a_delay_counts_from_when_the_data_came_when_it_waited_before_the_send() -> None:
    """A relayed datagram that sat 0.4 s in a queue goes out 0.1 s later under a 0.5 s delay."""
    seen: list[list[tuple[float, bytes]]] = []

    async def body(nursery, notes):  # type: ignore[no-untyped-def]
        a, b = memory_stream_pair()
        faulty = wrap(a, [Delay(0.5), Slice(2, 0, 0.1)], nursery, notes)
        start = trio.current_time()

        async def read() -> None:
            seen.append([(round(t - start, 3), d) for t, d in await arrivals(b)])

        nursery.start_soon(read)
        await trio.sleep(0.4)
        await faulty.send(b"hello", since=start)
        await faulty.send(b"!!", since=start)  # came long ago: no wait at all
        faulty.close()

    run_mock(body)
    # The slice's gaps still follow the delay: only the delay counts from the arrival.
    assert [(0.5, b"he"), (0.6, b"ll"), (0.7, b"o"), (0.7, b"!!")] == seen[0]


def test_truncate_closes_after_n_bytes_and_ends_the_script() -> None:
    seen: list[list[tuple[float, bytes]]] = []

    async def body(nursery, notes):  # type: ignore[no-untyped-def]
        a, b = memory_stream_pair()
        faulty = wrap(a, [Truncate(3)], nursery, notes)
        with pytest.raises(ConnectionFaulted):
            await faulty.send(b"hello")
        seen.append(await arrivals(b))

    run_mock(body)
    assert [b"hel"] == [d for _, d in seen[0]]


def test_reset_after_resets_the_peer() -> None:
    seen: list[list[tuple[float, bytes]]] = []

    async def body(nursery, notes):  # type: ignore[no-untyped-def]
        a, b = memory_stream_pair()
        faulty = wrap(a, [ResetAfter(2)], nursery, notes)
        with pytest.raises(ConnectionFaulted):
            await faulty.send(b"hello")
        seen.append(await arrivals(b))

    run_mock(body)
    assert b"he" == seen[0][0][1]
    assert b"reset" in seen[0][1][1]


def test_slow_close_closes_later_in_the_background() -> None:
    seen: list[list[tuple[float, bytes]]] = []

    async def body(nursery, notes):  # type: ignore[no-untyped-def]
        a, b = memory_stream_pair()
        faulty = wrap(a, [SlowClose(2.0)], nursery, notes)
        await faulty.send(b"bye")
        faulty.close()
        start = trio.current_time()
        got = await arrivals(b)
        seen.append([(round(trio.current_time() - start, 3), b"")])
        assert [b"bye"] == [d for _, d in got]

    run_mock(body)
    assert 2.0 == seen[0][0][0]


def test_hang_sends_nothing_and_closes_only_after_the_peer() -> None:
    closed_at: list[float] = []

    async def body(nursery, notes):  # type: ignore[no-untyped-def]
        a, b = memory_stream_pair()
        faulty = wrap(a, [HangFault()], nursery, notes)
        await faulty.send(b"never seen")
        faulty.close()
        with trio.move_on_after(10):
            await b.receive()
        closed_at.append(trio.current_time())
        await b.send(b"ignored")
        await b.shutdown()
        await trio.testing.wait_all_tasks_blocked()
        assert faulty.closed

    run_mock(body)
    assert closed_at[0] >= 10


def test_dropped_datagrams_never_arrive() -> None:
    got: list[bytes] = []

    async def body(nursery, notes):  # type: ignore[no-untyped-def]
        a, b = memory_datagram_pair()
        faulty = wrap(a, [Drop(0.5)], nursery, notes, stream=False)
        for i in range(40):
            await faulty.send(bytes([i]))
        while (d := b.receive_nowait()) is not None:
            got.append(d)

    run_mock(body)
    assert 5 < len(got) < 35
    assert sorted(got) == got
