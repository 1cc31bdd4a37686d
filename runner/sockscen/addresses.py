"""Socket addresses as scenario files write them (``tcp://``, ``udp://``, ``unix:``, ``unixgram:``).

Pure parsing and formatting: nothing here opens a socket.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

STREAM_SCHEMES = frozenset({"tcp", "unix"})
DATAGRAM_SCHEMES = frozenset({"udp", "unixgram"})
SCHEMES = STREAM_SCHEMES | DATAGRAM_SCHEMES

#: Linux's sun_path is 108 bytes including the terminating NUL.
MAX_UNIX_PATH = 107


class AddressError(ValueError):
    """Raised when an address string is not one of the forms of the scenario language."""


@dataclass(frozen=True, slots=True)
class Address:
    """A resolved (or to-be-resolved, when ``port == 0``) socket address.

    ``host``/``port`` are set for ``tcp``/``udp``; ``path`` for ``unix``/``unixgram``
    (an abstract-namespace name keeps its leading ``@``).
    """

    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""

    @property
    def is_stream(self) -> bool:
        return self.scheme in STREAM_SCHEMES

    @property
    def is_datagram(self) -> bool:
        return self.scheme in DATAGRAM_SCHEMES

    @property
    def is_unix(self) -> bool:
        return self.scheme in ("unix", "unixgram")

    @property
    def is_abstract(self) -> bool:
        return self.is_unix and self.path.startswith("@")

    @property
    def is_ipv6(self) -> bool:
        return ":" in self.host

    @property
    def url(self) -> str:
        """The whole address in scenario-language form (IPv6 hosts in brackets)."""
        if self.is_unix:
            return f"{self.scheme}:{self.path}"
        host = f"[{self.host}]" if self.is_ipv6 else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def __str__(self) -> str:
        return self.url

    def with_port(self, port: int) -> Address:
        return Address(self.scheme, self.host, port, self.path)

    def in_directory(self, directory: str) -> Address:
        """A Unix address whose relative path is placed under *directory*."""
        if not self.is_unix or self.is_abstract or os.path.isabs(self.path):
            return self
        return Address(self.scheme, path=os.path.join(directory, self.path))

    def sockaddr(self) -> str | bytes | tuple[str, int]:
        """The address in the form ``socket.bind``/``connect`` take."""
        if self.is_unix:
            if self.is_abstract:
                return b"\0" + self.path[1:].encode()
            return self.path
        return (self.host, self.port)


def scheme_of(text: str) -> str | None:
    """The scheme an address string starts with, or None when it has none we know."""
    for scheme in ("tcp://", "udp://", "unixgram:", "unix:"):
        if text.startswith(scheme):
            return scheme.rstrip(":/")
    return None


def parse_address(text: str) -> Address:
    """Parse an address string; raise ``AddressError`` saying which form was expected."""
    scheme = scheme_of(text)
    if scheme is None:
        raise AddressError(
            f"{text!r} is not an address: use tcp://HOST:PORT, udp://HOST:PORT, "
            "unix:PATH or unixgram:PATH"
        )
    if scheme in ("unix", "unixgram"):
        path = text[len(scheme) + 1 :]
        if not path or path == "@":
            raise AddressError(f"{text!r} has no socket path after '{scheme}:'")
        if "\0" in path:
            raise AddressError(f"{text!r}: a socket path cannot contain a NUL character")
        return Address(scheme, path=path)
    rest = text[len(scheme) + 3 :]
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0 or not rest[end + 1 :].startswith(":"):
            raise AddressError(f"{text!r}: write IPv6 addresses as {scheme}://[::1]:PORT")
        host, port_text = rest[1:end], rest[end + 2 :]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise AddressError(f"{text!r}: {host!r} is not an IPv6 address") from None
    else:
        host, sep, port_text = rest.rpartition(":")
        if ":" in host:
            # Show the whole literal: "::1" alone would read as host "::" and port 1.
            literal = rest if _is_ipv6(rest) else host
            raise AddressError(
                f"{text!r}: put an IPv6 address in brackets: {scheme}://[{literal}]:PORT"
            )
        if not sep or not host:
            raise AddressError(f"{text!r} needs a host and a port: {scheme}://127.0.0.1:8080")
        bad = next((ch for ch in host if ch.isspace() or ch in "/[]"), None)
        if bad is not None:
            raise AddressError(
                f"{text!r}: {host!r} is not a host name or IPv4 address ({bad!r} is not allowed)"
            )
    # isdigit alone accepts "²" and other non-ASCII digits that int() rejects or reads differently;
    # the length check comes first since int() refuses more than 4300 digits with a ValueError.
    significant = port_text.lstrip("0") or "0"
    if not (port_text.isascii() and port_text.isdigit()) or len(significant) > 5:
        raise AddressError(f"{text!r}: the port must be a number from 0 to 65535")
    port = int(significant)
    if not 0 <= port <= 65535:
        raise AddressError(f"{text!r}: the port must be a number from 0 to 65535")
    return Address(scheme, host=host, port=port)


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True
