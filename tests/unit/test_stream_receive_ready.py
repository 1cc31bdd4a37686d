"""``StreamConnection.receive_ready``: what has arrived, without waiting; a reset is an error."""

from __future__ import annotations

import select
import socket
import struct
from collections.abc import Callable

import pytest
import trio

from sockscen.addresses import Address
from sockscen.transport import StreamConnection, TransportError


def _with_pair(body: Callable[[socket.socket, StreamConnection, Callable[[], None]], None]) -> None:
    """Run *body* with a client socket, the server's connection and a wait for readability."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = socket.create_connection(listener.getsockname())
        raw, peer = listener.accept()

    def readable() -> None:
        assert select.select([raw], [], [], 10)[0], "nothing arrived within 10s"

    async def run() -> None:
        conn = StreamConnection(raw, Address("tcp", host=peer[0], port=peer[1]))
        try:
            body(client, conn, readable)
        finally:
            conn.close()
            client.close()

    trio.run(run)


def test_data_then_nothing_then_end_of_stream() -> None:
    def body(client: socket.socket, conn: StreamConnection, readable: Callable[[], None]) -> None:
        assert conn.receive_ready() is None
        client.sendall(b"ping\n")
        readable()
        assert conn.receive_ready() == b"ping\n"
        assert conn.receive_ready() is None
        client.shutdown(socket.SHUT_WR)
        readable()
        assert conn.receive_ready() == b""

    _with_pair(body)


def test_a_reset_is_a_transport_error_said_once() -> None:
    def body(client: socket.socket, conn: StreamConnection, readable: Callable[[], None]) -> None:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        readable()
        with pytest.raises(TransportError, match="reset by the peer"):
            conn.receive_ready()
        assert conn.receive_ready() == b""

    _with_pair(body)
