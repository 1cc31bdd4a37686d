"""The error boundary of the socket layer: every ``OSError`` becomes a ``TransportError``.

What each OS error means is one table (``OS_ERRORS``, by errno).  The
``OSError`` is kept as the ``TransportError``'s cause (``raise ... from exc``)
so ``-v`` can still show what the system said.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from ..addresses import Address
from ..connection import ResetByPeer
from ..errors import SockscenError


class TransportError(SockscenError):
    """A socket operation failed; ``str()`` is a user-facing sentence, ``__cause__`` the OS error.

    Never reaches the user as an exception: a step turns it into a failure,
    the engine's setup into a ``SetupError``.
    """


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


class ConnectionReset(TransportError, ResetByPeer):
    """The peer reset the connection (TCP RST): a failure, unless a step expects it."""


def transport_error(exc: OSError, action: str, address: Address) -> TransportError:
    """*exc* as the ``TransportError`` a user reads; raise it ``from exc`` to keep the cause."""
    if exc.errno == errno.ECONNRESET:
        return ConnectionReset(describe_os_error(exc, action, address))
    return TransportError(describe_os_error(exc, action, address))


#: Errors saying this process (or the system) has no file descriptor left.
OUT_OF_FILES = frozenset({errno.EMFILE, errno.ENFILE})

#: Errors a datagram socket reports for an earlier send to one peer (from ICMP).
ICMP_ERRORS = frozenset(
    {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNRESET}
)


def caused_by(exc: TransportError, errnos: frozenset[int]) -> bool:
    """Whether *exc* was raised for an ``OSError`` with one of *errnos* (kept as its cause)."""
    cause = exc.__cause__
    return isinstance(cause, OSError) and cause.errno in errnos


def out_of_files(exc: OSError, failed: str) -> str | None:
    """*failed* (``cannot accept ... on ADDRESS``) explained, when *exc* says we ran out of
    file descriptors (the usual limit of many concurrent clients); None for other errors."""
    if exc.errno not in OUT_OF_FILES:
        return None
    return f"{failed}: too many open files (raise the limit with `ulimit -n`, or lower count / -j)"


def socket_error(exc: OSError, address: Address) -> str:
    """Why a socket for *address* could not be opened; running out of descriptors says so."""
    return out_of_files(exc, f"cannot open a socket for {address}") or describe_os_error(
        exc, "open a socket for", address
    )
