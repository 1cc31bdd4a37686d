"""A datagram server's per-sender queue: the dispatcher wakes the handler directly."""

from __future__ import annotations

from typing import Any, cast

import trio
import trio.testing

from sockscen.addresses import Address
from sockscen.engine.senders import PEER_QUEUE, DatagramPeer

SENDER = Address("udp", host="127.0.0.1", port=4000)


def peer() -> DatagramPeer:
    # Receiving never touches the socket: the dispatcher owns it.
    return DatagramPeer(cast(Any, None), SENDER)


def test_a_waiting_handler_gets_the_datagrams_in_order() -> None:
    async def main() -> list[bytes]:
        link = peer()
        got: list[bytes] = []

        async def handler() -> None:
            got.append(await link.receive())
            got.append(await link.receive())

        async with trio.open_nursery() as nursery:
            nursery.start_soon(handler)
            await trio.testing.wait_all_tasks_blocked()
            assert link.put(b"one")
            assert link.put(b"two")
        return got

    assert trio.run(main) == [b"one", b"two"]


def test_a_cancelled_wait_leaves_the_queue_usable() -> None:
    async def main() -> bytes | None:
        link = peer()
        with trio.CancelScope() as scope:
            scope.cancel()
            await link.receive()
        assert scope.cancelled_caught
        assert link.receive_nowait() is None
        link.put(b"later")
        return await link.receive()

    assert trio.run(main) == b"later"


def test_a_full_queue_refuses_more() -> None:
    link = peer()
    assert all(link.put(b"x") for _ in range(PEER_QUEUE))
    assert not link.put(b"one too many")
    assert link.receive_nowait() == b"x"
