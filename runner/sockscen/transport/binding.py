"""Binding servers: listen on an address, or check that nobody else does."""

from __future__ import annotations

import errno
import os
import socket as stdsocket

from ..addresses import Address
from .boundary import TransportError, socket_error, transport_error
from .datagrams import DatagramSocket
from .sockets import family, kind
from .streams import StreamListener

LISTEN_BACKLOG = 4096


def _unix_in_use(address: Address) -> str:
    """Why a Unix socket path cannot be bound: a live listener, or a stale file."""
    if address.is_abstract:
        return f"cannot listen on {address}: another program listens on that abstract name"
    probe = stdsocket.socket(stdsocket.AF_UNIX, kind(address))
    try:
        # Non-blocking: a full backlog (EAGAIN) still means someone listens there.
        probe.setblocking(False)
        probe.connect(address.path)
    except BlockingIOError:
        pass
    except OSError:
        return (
            f"cannot listen on {address}: a file already exists at {address.path} "
            "(a stale socket from an earlier run?); remove it, or use a relative path, "
            "which lives in the scenario's private directory"
        )
    finally:
        probe.close()
    return f"cannot listen on {address}: another program is listening there"


def check_free(address: Address) -> TransportError | None:
    """None when *address* (a fixed port or socket path) can be listened on, else why not.

    Used before starting a process server on a fixed address: otherwise a
    program already listening there answers the scenario's clients, and the
    server under test dies unseen with "address in use".  The error is
    returned, not raised: the caller words it for its server.
    """
    if address.is_unix:
        if address.is_abstract:
            try:
                bind(address).close()
            except TransportError as exc:
                return exc
            return None
        if os.path.lexists(address.path):
            return TransportError(_unix_in_use(address))
        return None
    if address.port == 0:
        return None
    try:
        bind(address).close()
    except TransportError as exc:
        return exc
    return None


def bind(address: Address) -> StreamListener | DatagramSocket:
    """Bind (and for streams, listen on) *address*; port 0 picks a free port.

    Raises ``TransportError`` for an address in use, not available, or a
    socket path that is too long.
    """
    if address.is_unix and not address.is_abstract and len(os.fsencode(address.path)) > 107:
        raise TransportError(
            f"cannot listen on {address}: the socket path is longer than the 107 bytes "
            "Linux allows; use a relative path (it lives in the scenario's short private directory)"
        )
    try:
        sock = stdsocket.socket(family(address), kind(address))
    except OSError as exc:
        raise TransportError(socket_error(exc, address)) from exc
    try:
        if not address.is_unix:
            sock.setsockopt(stdsocket.SOL_SOCKET, stdsocket.SO_REUSEADDR, 1)
            if address.is_ipv6:
                sock.setsockopt(stdsocket.IPPROTO_IPV6, stdsocket.IPV6_V6ONLY, 1)
        sock.bind(address.sockaddr())
        if address.is_stream:
            sock.listen(LISTEN_BACKLOG)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE and address.is_unix:
            raise TransportError(_unix_in_use(address)) from exc
        raise transport_error(exc, "listen on", address) from exc
    bound = address
    if not address.is_unix:
        host, port = sock.getsockname()[:2]
        bound = Address(address.scheme, host=address.host or host, port=port)
    if address.is_stream:
        return StreamListener(sock, bound)
    return DatagramSocket(sock, bound, None)
