"""The one connection protocol: what steps need of a stream socket or one datagram peer.

The transport implements it structurally (``transport.StreamConnection``,
``transport.DatagramSocket``), and so can wrappers that change a connection's
behaviour (faults, TLS) and the memory connections of ``sockscen.testing``.
Nothing here imports trio: step kinds are written against these protocols.
"""

from __future__ import annotations

from typing import Protocol


class ResetByPeer(Exception):
    """Mixed into the error a ``receive`` raises when the peer reset the connection (TCP RST).

    ``expect_reset`` tells a reset from an orderly close by it, without
    knowing the transport's exception classes.
    """


class Connection(Protocol):
    """A connection steps talk over: a stream socket or one datagram peer.

    ``receive`` returns some bytes (one datagram on datagram connections), or
    ``b""`` at end of stream; transport failures raise ``TransportError``.
    """

    is_stream: bool

    async def send(self, data: bytes) -> None: ...

    async def receive(self) -> bytes: ...

    def receive_nowait(self) -> bytes | None:
        """What is already there (``b""`` at end of stream), None when nothing is."""
        ...

    def close(self) -> None: ...


class StreamOps(Connection, Protocol):
    """What only stream connections offer (the schema keeps these steps off datagram actors)."""

    async def shutdown(self) -> None:
        """Half-close: the peer reads end of stream, we can still read."""
        ...

    def abort(self) -> None:
        """Close with a reset where the transport has one (TCP RST)."""
        ...


class ConnectionFaulted(Exception):
    """A fault ended the connection while sending (``truncate``, ``reset_after``).

    Not a failure: the actor whose own fault it is stops its script there, as
    a server that really cut the connection would; a proxy stops relaying.
    """
