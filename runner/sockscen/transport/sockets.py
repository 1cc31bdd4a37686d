"""What every socket of the transport needs: its family and kind, creating one, its file."""

from __future__ import annotations

import contextlib
import os
import socket as stdsocket
from collections.abc import Iterator

import trio

from ..addresses import Address
from .boundary import TransportError, socket_error, transport_error


class Yielding:
    """Socket operations that try the non-blocking call first, and yield now and then.

    Most sends and many receives on loopback complete at once, and skipping
    trio's per-call scheduling round trip halves the cost of a step; to stay a
    fair trio citizen (and notice cancellation) an operation that did not wait
    still yields once every ``YIELD_EVERY`` calls.  Waiting resets the count.
    """

    __slots__ = ("_unyielded",)

    YIELD_EVERY = 16

    def __init__(self) -> None:
        self._unyielded = 0

    async def _maybe_yield(self) -> None:
        self._unyielded += 1
        if self._unyielded >= self.YIELD_EVERY:
            self._unyielded = 0
            await trio.lowlevel.checkpoint()


def family(address: Address) -> int:
    """The address family of *address*: Unix, IPv6 or IPv4."""
    if address.is_unix:
        return stdsocket.AF_UNIX
    return stdsocket.AF_INET6 if address.is_ipv6 else stdsocket.AF_INET


def kind(address: Address) -> int:
    """The socket kind of *address*: stream or datagram."""
    return stdsocket.SOCK_STREAM if address.is_stream else stdsocket.SOCK_DGRAM


def new_socket(address: Address, sock_kind: int) -> trio.socket.SocketType:
    """A trio socket for *address*; running out of descriptors is a user-facing error."""
    try:
        return trio.socket.socket(family(address), sock_kind)
    except OSError as exc:
        raise TransportError(socket_error(exc, address)) from exc


def unlink_socket_file(address: Address) -> None:
    """Remove the file of a Unix socket path (nothing for ports and abstract names)."""
    if address.is_unix and not address.is_abstract and address.path:
        with contextlib.suppress(OSError):
            os.unlink(address.path)


@contextlib.contextmanager
def connecting(sock: trio.socket.SocketType, address: Address) -> Iterator[None]:
    """Close *sock* when connecting it to *address* fails; an ``OSError`` says why, as usual."""
    try:
        yield
    except OSError as exc:
        sock.close()
        raise transport_error(exc, "connect to", address) from exc
    except BaseException:
        sock.close()
        raise
