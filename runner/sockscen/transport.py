"""The only module that touches sockets: stream and datagram connections, listeners.

Everything here speaks in ``addresses.Address`` and bytes.  Socket errors are
mapped once, at this boundary (the ``OS_ERRORS`` table), to ``TransportError``
with a sentence a user can act on (``connection refused by
tcp://127.0.0.1:4000: is the server listening?``) and the ``OSError`` kept as
its cause, so the step interpreter never sees ``OSError`` and ``-v`` can still
show what the system said.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket as stdsocket
import struct
from collections.abc import Callable
from dataclasses import dataclass

import trio

from .addresses import Address
from .errors import SockscenError

RECEIVE_SIZE = 65536
#: Datagrams larger than this are truncated by the kernel; 64 KiB is the UDP maximum.
DATAGRAM_SIZE = 65536
LISTEN_BACKLOG = 4096


class TransportError(SockscenError):
    """A socket operation failed; ``str()`` is a user-facing sentence, ``__cause__`` the OS error.

    Never reaches the user as an exception: a step turns it into a failure,
    the engine's setup into a ``SetupError``.
    """


def _family(address: Address) -> int:
    if address.is_unix:
        return stdsocket.AF_UNIX
    return stdsocket.AF_INET6 if address.is_ipv6 else stdsocket.AF_INET


def _kind(address: Address) -> int:
    return stdsocket.SOCK_STREAM if address.is_stream else stdsocket.SOCK_DGRAM


def _missing(action: str, address: Address) -> str | None:
    if not address.is_unix:
        return None
    if action == "listen on":
        folder = os.path.dirname(address.path)
        return f"cannot listen on {address}: the folder {folder} does not exist"
    return f"no socket at {address.path}: is the server listening there?"


#: The error boundary, as a table: what each OS error means, by errno, given the
#: action (``"connect to"``, ``"listen on"``, ...) and the address.  None: no
#: special sentence, the generic one below applies.
OS_ERRORS: dict[int, Callable[[str, Address], str | None]] = {
    errno.ECONNREFUSED: lambda _, a: f"connection refused by {a}: is the server listening there?",
    errno.ENOENT: _missing,
    errno.EADDRINUSE: lambda action, a: (
        f"cannot {action} {a}: the address is already in use "
        "(use port 0 to let the runner pick one)"
    ),
    errno.EADDRNOTAVAIL: lambda action, a: (
        f"cannot {action} {a}: the address is not available on this machine"
    ),
    errno.EACCES: lambda action, a: f"cannot {action} {a}: permission denied",
    errno.EPERM: lambda action, a: f"cannot {action} {a}: permission denied",
    errno.ECONNRESET: lambda _, a: f"the connection to {a} was reset by the peer",
    errno.EPIPE: lambda _, a: f"the peer at {a} closed the connection",
}


def describe_os_error(exc: OSError, action: str, address: Address) -> str:
    """A one-sentence explanation of *exc* raised while doing *action* on *address*."""
    explain = OS_ERRORS.get(exc.errno) if exc.errno is not None else None
    text = explain(action, address) if explain is not None else None
    if text is not None:
        return text
    reason = exc.strerror or str(exc)
    return f"cannot {action} {address}: {reason}"


def transport_error(exc: OSError, action: str, address: Address) -> TransportError:
    """*exc* as the ``TransportError`` a user reads; raise it ``from exc`` to keep the cause."""
    return TransportError(describe_os_error(exc, action, address))


# --------------------------------------------------------------------------- streams


class StreamConnection:
    """A connected stream socket (TCP or Unix) with the few operations steps need.

    Operations try the non-blocking socket call first and only wait for
    readiness when it would block: most sends and many receives on loopback
    complete at once, and skipping trio's per-call scheduling round trip
    halves the cost of a step.  To stay a fair trio citizen (and notice
    cancellation) we still yield at least every ``_YIELD_EVERY`` operations.
    """

    is_stream = True
    _YIELD_EVERY = 16

    def __init__(self, sock: stdsocket.socket, peer: Address) -> None:
        sock.setblocking(False)
        self._sock = sock
        self.peer = peer
        self.closed = False
        self._unyielded = 0

    async def _maybe_yield(self) -> None:
        self._unyielded += 1
        if self._unyielded >= self._YIELD_EVERY:
            self._unyielded = 0
            await trio.lowlevel.checkpoint()

    async def send(self, data: bytes) -> None:
        """Write all of *data*; a peer that stops reading blocks it (the step's timeout applies)."""
        view = memoryview(data)
        sock = self._sock
        try:
            while True:
                try:
                    sent = sock.send(view)
                except BlockingIOError:
                    sent = 0
                view = view[sent:]
                if not view:
                    break
                self._unyielded = 0
                await trio.lowlevel.wait_writable(sock)
        except OSError as exc:
            raise transport_error(exc, "send to", self.peer) from exc
        await self._maybe_yield()

    async def receive(self) -> bytes:
        """Some bytes, or ``b""`` at end of stream."""
        sock = self._sock
        try:
            try:
                data = sock.recv(RECEIVE_SIZE)
            except BlockingIOError:
                self._unyielded = 0
                while True:  # readiness can be spurious: wait again until data or EOF
                    await trio.lowlevel.wait_readable(sock)
                    try:
                        return sock.recv(RECEIVE_SIZE)
                    except BlockingIOError:
                        continue
        except OSError as exc:
            raise transport_error(exc, "receive from", self.peer) from exc
        await self._maybe_yield()
        return data

    def receive_nowait(self) -> bytes | None:
        """Bytes already in the kernel, ``b""`` at end of stream, None when nothing is there."""
        try:
            return self._sock.recv(RECEIVE_SIZE)
        except OSError:
            return None

    async def shutdown(self) -> None:
        """Half-close: the peer reads EOF, we can still read."""
        try:
            self._sock.shutdown(stdsocket.SHUT_WR)
        except OSError as exc:
            raise transport_error(exc, "shut down", self.peer) from exc
        await trio.lowlevel.checkpoint()

    def abort(self) -> None:
        """Close with a TCP RST (SO_LINGER 0); for Unix sockets a plain close."""
        if not self.closed and not self.peer.is_unix:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(
                    stdsocket.SOL_SOCKET, stdsocket.SO_LINGER, struct.pack("ii", 1, 0)
                )
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            trio.lowlevel.notify_closing(self._sock)
            self._sock.close()


def _new_socket(address: Address, kind: int) -> trio.socket.SocketType:
    """A trio socket for *address*; running out of descriptors is a user-facing error."""
    try:
        return trio.socket.socket(_family(address), kind)
    except OSError as exc:
        raise TransportError(_socket_error(exc, address)) from exc


def _socket_error(exc: OSError, address: Address) -> str:
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return (
            f"cannot open a socket for {address}: too many open files "
            "(raise the limit with `ulimit -n`, or lower count / -j)"
        )
    return describe_os_error(exc, "open a socket for", address)


async def open_stream(address: Address) -> StreamConnection:
    """Connect to a stream address; raise ``TransportError`` when nobody listens there."""
    sock = _new_socket(address, stdsocket.SOCK_STREAM)
    try:
        if not address.is_unix:
            sock.setsockopt(stdsocket.IPPROTO_TCP, stdsocket.TCP_NODELAY, 1)
        await sock.connect(address.sockaddr())
    except OSError as exc:
        sock.close()
        raise transport_error(exc, "connect to", address) from exc
    except BaseException:
        sock.close()
        raise
    raw = stdsocket.socket(fileno=sock.detach())
    return StreamConnection(raw, address)


async def probe_connect(address: Address) -> bool:
    """True when a stream connection to *address* succeeds right now (it is closed at once)."""
    try:
        conn = await open_stream(address)
    except TransportError:
        return False
    conn.close()
    return True


@dataclass
class StreamListener:
    """A listening stream socket.  ``address`` is the bound address (real port)."""

    sock: stdsocket.socket
    address: Address

    async def serve(self, on_connection: Callable[[StreamConnection], None]) -> None:
        """Accept forever, calling ``on_connection(conn)`` (which starts a handler) for each one.

        Drains every pending connection per wake-up: trio's accept takes one per
        scheduler pass, which overflows the backlog when thousands connect at once.
        """
        while True:
            await trio.lowlevel.wait_readable(self.sock)
            for conn in self.accept_pending():
                on_connection(conn)

    def accept_pending(self) -> list[StreamConnection]:
        """Every connection already waiting in the backlog (never blocks)."""
        accepted: list[StreamConnection] = []
        while True:
            try:
                raw, peer = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return accepted
            except OSError as exc:
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO, errno.EPERM):
                    continue  # that connection is gone; the others are fine
                for conn in accepted:
                    conn.close()
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    raise TransportError(
                        f"cannot accept more connections on {self.address}: too many open files "
                        "(raise the limit with `ulimit -n`, or lower count / -j)"
                    ) from exc
                raise transport_error(exc, "accept on", self.address) from exc
            raw.setblocking(False)
            if not self.address.is_unix:
                raw.setsockopt(stdsocket.IPPROTO_TCP, stdsocket.TCP_NODELAY, 1)
            peer_address = (
                Address(self.address.scheme, host=peer[0], port=peer[1])
                if not self.address.is_unix
                else Address(self.address.scheme, path=str(peer or "(unnamed)"))
            )
            accepted.append(StreamConnection(raw, peer_address))

    def close(self) -> None:
        trio.lowlevel.notify_closing(self.sock)
        self.sock.close()
        _unlink_socket_file(self.address)


# --------------------------------------------------------------------------- datagrams


class DatagramSocket:
    """A datagram socket (UDP or unixgram).  Clients are connected to their server.

    Like ``StreamConnection``, operations try the non-blocking call first.
    """

    is_stream = False

    def __init__(self, sock: stdsocket.socket, local: Address, peer: Address | None) -> None:
        sock.setblocking(False)
        self._sock = sock
        self.local = local
        self.peer = peer
        self.closed = False
        self._unyielded = 0

    async def send_to(self, data: bytes, peer: Address) -> None:
        try:
            while True:
                try:
                    self._sock.sendto(data, peer.sockaddr())
                    break
                except BlockingIOError:
                    await trio.lowlevel.wait_writable(self._sock)
        except OSError as exc:
            raise transport_error(exc, "send a datagram to", peer) from exc
        await trio.lowlevel.checkpoint()

    async def send(self, data: bytes) -> None:
        assert self.peer is not None
        try:
            while True:
                try:
                    self._sock.send(data)
                    break
                except BlockingIOError:
                    await trio.lowlevel.wait_writable(self._sock)
        except OSError as exc:
            raise transport_error(exc, "send a datagram to", self.peer) from exc
        await trio.lowlevel.checkpoint()

    async def receive(self) -> bytes:
        try:
            while True:
                try:
                    data = self._sock.recv(DATAGRAM_SIZE)
                    break
                except BlockingIOError:
                    self._unyielded = 0
                    await trio.lowlevel.wait_readable(self._sock)
        except OSError as exc:
            where = self.peer or self.local
            raise transport_error(exc, "receive a datagram from", where) from exc
        await self._maybe_yield()
        return data

    async def _maybe_yield(self) -> None:
        self._unyielded += 1
        if self._unyielded >= StreamConnection._YIELD_EVERY:
            self._unyielded = 0
            await trio.lowlevel.checkpoint()

    def receive_nowait(self) -> bytes | None:
        """A datagram already waiting, or None."""
        try:
            return self._sock.recv(DATAGRAM_SIZE)
        except OSError:
            return None

    async def receive_from(self) -> tuple[bytes, Address]:
        while True:
            got = self.receive_from_nowait()
            if got is not None:
                await self._maybe_yield()  # a flood of datagrams must not starve the rest
                return got
            self._unyielded = 0
            await trio.lowlevel.wait_readable(self._sock)

    def receive_from_nowait(self) -> tuple[bytes, Address] | None:
        """A datagram already waiting and its sender, or None.

        Errors are swallowed on purpose: on a server socket an ICMP error
        about one peer (ECONNREFUSED after replying to a closed port) must
        not stop the others.
        """
        while True:
            try:
                data, raw_peer = self._sock.recvfrom(DATAGRAM_SIZE)
            except (BlockingIOError, InterruptedError):
                return None
            except OSError as exc:
                if exc.errno in _ICMP_ERRORS:
                    continue  # an ICMP error about one peer; the queued datagrams are fine
                return None
            return data, _datagram_peer(self.local, raw_peer)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            trio.lowlevel.notify_closing(self._sock)
            self._sock.close()
            _unlink_socket_file(self.local)


#: Errors a datagram socket reports for an earlier send to one peer (from ICMP).
_ICMP_ERRORS = frozenset(
    {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNRESET}
)


def _datagram_peer(local: Address, raw: object) -> Address:
    if local.is_unix:
        if isinstance(raw, bytes):
            raw = (
                "@" + raw[1:].decode(errors="replace")
                if raw[:1] == b"\0"
                else raw.decode(errors="replace")
            )
        return Address(local.scheme, path=str(raw or ""))
    assert isinstance(raw, tuple)
    return Address(local.scheme, host=raw[0], port=raw[1])


async def open_datagram(address: Address, local_path: str | None = None) -> DatagramSocket:
    """A datagram socket connected to *address*.

    For ``unixgram`` the client binds *local_path* first, because an unbound
    Unix datagram socket cannot receive replies.
    """
    sock = _new_socket(address, stdsocket.SOCK_DGRAM)
    local: Address
    try:
        if address.is_unix:
            if local_path is None:
                raise TransportError("a unixgram client needs a local path to receive replies")
            await sock.bind(local_path)
            local = Address("unixgram", path=local_path)
        else:
            local = Address(address.scheme, host="", port=0)
        await sock.connect(address.sockaddr())
        if not address.is_unix:
            host, port = sock.getsockname()[:2]
            local = Address(address.scheme, host=host, port=port)
    except OSError as exc:
        sock.close()
        raise transport_error(exc, "connect to", address) from exc
    except BaseException:
        sock.close()
        raise
    return DatagramSocket(stdsocket.socket(fileno=sock.detach()), local, address)


# --------------------------------------------------------------------------- binding servers


def _unix_in_use(address: Address) -> str:
    """Why a Unix socket path cannot be bound: a live listener, or a stale file."""
    if address.is_abstract:
        return f"cannot listen on {address}: another program listens on that abstract name"
    probe = stdsocket.socket(stdsocket.AF_UNIX, _kind(address))
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
        sock = stdsocket.socket(_family(address), _kind(address))
    except OSError as exc:
        raise TransportError(_socket_error(exc, address)) from exc
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


def _unlink_socket_file(address: Address) -> None:
    if address.is_unix and not address.is_abstract and address.path:
        with contextlib.suppress(OSError):
            os.unlink(address.path)
