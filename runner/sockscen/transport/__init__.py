"""The only package that touches sockets: stream and datagram connections, listeners.

Everything here speaks in ``addresses.Address`` and bytes.  Socket errors are
mapped once, at this boundary (``boundary.OS_ERRORS``), to ``TransportError``
with a sentence a user can act on (``connection refused by
tcp://127.0.0.1:4000: is the server listening?``) and the ``OSError`` kept as
its cause, so the step interpreter never sees ``OSError`` and ``-v`` can still
show what the system said.

- ``boundary``: ``TransportError`` and the table of OS errors;
- ``sockets``: family, kind, creating a socket, removing a socket file;
- ``streams``: ``StreamConnection``, ``open_stream``, ``StreamListener``;
- ``datagrams``: ``DatagramSocket``, ``open_datagram``;
- ``binding``: ``bind`` and ``check_free`` for servers.
"""

from __future__ import annotations

from .binding import LISTEN_BACKLOG, bind, check_free
from .boundary import (
    ICMP_ERRORS,
    OS_ERRORS,
    OUT_OF_FILES,
    TransportError,
    caused_by,
    describe_os_error,
    transport_error,
)
from .datagrams import DATAGRAM_SIZE, DatagramSocket, open_datagram
from .streams import RECEIVE_SIZE, StreamConnection, StreamListener, open_stream, probe_connect

__all__ = [
    "DATAGRAM_SIZE",
    "ICMP_ERRORS",
    "LISTEN_BACKLOG",
    "OS_ERRORS",
    "OUT_OF_FILES",
    "RECEIVE_SIZE",
    "DatagramSocket",
    "StreamConnection",
    "StreamListener",
    "TransportError",
    "bind",
    "caused_by",
    "check_free",
    "describe_os_error",
    "open_datagram",
    "open_stream",
    "probe_connect",
    "transport_error",
]
