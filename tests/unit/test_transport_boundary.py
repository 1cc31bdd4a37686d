"""The socket layer's error table: what a user reads for each OS error (no sockets opened)."""

from __future__ import annotations

import errno

import pytest

from sockscen.addresses import Address, parse_address
from sockscen.transport import describe_os_error

TCP = parse_address("tcp://127.0.0.1:4000")
UNIX = parse_address("unix:/run/app/app.sock")


@pytest.mark.parametrize(
    ("code", "action", "address", "sentence"),
    [
        (
            errno.ECONNREFUSED,
            "connect to",
            TCP,
            "connection refused by tcp://127.0.0.1:4000: is the server listening there?",
        ),
        (
            errno.ENOENT,
            "listen on",
            UNIX,
            "cannot listen on unix:/run/app/app.sock: the folder /run/app does not exist",
        ),
        (
            errno.ENOENT,
            "connect to",
            UNIX,
            "no socket at /run/app/app.sock: is the server listening there?",
        ),
        (errno.ENOENT, "connect to", TCP, "cannot connect to tcp://127.0.0.1:4000: gone"),
        (
            errno.EADDRINUSE,
            "listen on",
            TCP,
            "cannot listen on tcp://127.0.0.1:4000: the address is already in use "
            "(use port 0 to let the runner pick one)",
        ),
        (errno.EACCES, "bind", TCP, "cannot bind tcp://127.0.0.1:4000: permission denied"),
        (errno.EPERM, "bind", TCP, "cannot bind tcp://127.0.0.1:4000: permission denied"),
        (
            errno.ECONNRESET,
            "receive from",
            TCP,
            "the connection to tcp://127.0.0.1:4000 was reset by the peer",
        ),
        (errno.EPIPE, "send to", TCP, "the peer at tcp://127.0.0.1:4000 closed the connection"),
        (errno.EIO, "send to", TCP, "cannot send to tcp://127.0.0.1:4000: gone"),
    ],
)
def test_each_os_error_reads_as_a_sentence(
    code: int, action: str, address: Address, sentence: str
) -> None:
    assert sentence == describe_os_error(OSError(code, "gone"), action, address)
