"""Address schemes as the builder sees them: what a placeholder may ask of each, its transport."""

from __future__ import annotations

from dataclasses import dataclass

from ..addresses import DATAGRAM_SCHEMES, STREAM_SCHEMES


@dataclass(frozen=True)
class Scheme:
    """What a server address of one scheme offers: placeholder attributes and a transport."""

    attributes: tuple[str, ...]
    transport: str  # "stream" or "datagram"


#: Address schemes by the name their addresses start with (``tcp://``, ``unix:``).
SCHEMES: dict[str, Scheme] = {
    "tcp": Scheme(("host", "port", "url"), "stream"),
    "udp": Scheme(("host", "port", "url"), "datagram"),
    "unix": Scheme(("path", "url"), "stream"),
    "unixgram": Scheme(("path", "url"), "datagram"),
}
assert set(SCHEMES) == STREAM_SCHEMES | DATAGRAM_SCHEMES

#: Attributes of a server address placeholder (``${app.port}``).
ADDRESS_ATTRIBUTES = ("host", "port", "path", "url")
#: How each scheme's addresses start, to tell a misspelt scheme from a placeholder.
SCHEME_PREFIXES = ("tcp://", "udp://", "unix:", "unixgram:")


def transport_of(scheme: str | None) -> str | None:
    """``stream`` or ``datagram`` for a known scheme, None when it is not known yet."""
    known = SCHEMES.get(scheme) if scheme is not None else None
    return None if known is None else known.transport
