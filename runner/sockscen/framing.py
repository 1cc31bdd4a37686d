"""Framing: how a byte stream is cut into messages, and how a message is written.

``none`` leaves the stream raw; ``line``/``crlf``/``{delimiter}`` end each frame
with a delimiter; ``{length_prefix}`` puts the frame's length before it.
Pure byte logic: ``decode`` looks at a buffer and says where the next frame
is, the caller owns the buffer and the socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Byteorder = Literal["big", "little"]


class FramingError(ValueError):
    """Raised when data cannot be a frame (a length prefix beyond the allowed size)."""


@dataclass(frozen=True, slots=True)
class Framing:
    """A framing rule.

    Build one with ``NONE``, ``LINE``, ``CRLF``, ``delimited`` or ``length_prefixed``.
    """

    kind: Literal["none", "line", "crlf", "delimiter", "length_prefix"]
    delimiter: bytes = b""
    prefix_bytes: int = 0
    byteorder: Byteorder = "big"

    @property
    def is_framed(self) -> bool:
        return self.kind != "none"

    def describe(self) -> str:
        if self.kind in ("none", "line", "crlf"):
            return self.kind
        if self.kind == "delimiter":
            return f"delimiter {self.delimiter!r}"
        return f"{self.prefix_bytes}-byte {self.byteorder}-endian length prefix"

    def encode(self, message: bytes) -> bytes:
        """The bytes to write for one frame holding *message*.

        Raises ``FramingError`` when *message* is too long for the length prefix.
        """
        if self.kind == "none":
            return message
        if self.kind == "length_prefix":
            limit = 1 << (8 * self.prefix_bytes)
            if len(message) >= limit:
                raise FramingError(
                    f"a {len(message)}-byte message does not fit a "
                    f"{self.prefix_bytes}-byte length prefix"
                )
            return len(message).to_bytes(self.prefix_bytes, self.byteorder) + message
        return message + self.delimiter

    def decode(
        self, buffer: bytes | bytearray, max_frame: int, start: int = 0
    ) -> tuple[bytes, int] | None:
        """Find the first complete frame in *buffer*.

        Returns ``(frame, consumed)`` where *frame* excludes the delimiter or
        prefix and *consumed* counts every byte it took, or ``None`` when more
        data is needed.  Raises ``FramingError`` when a length prefix announces
        more than *max_frame* bytes (the peer would make us buffer without bound).
        *start* says no delimiter begins before that offset (it was searched on
        an earlier call), which keeps reading a long frame linear.
        """
        if self.kind == "none":
            if not buffer:
                return None
            return bytes(buffer), len(buffer)
        if self.kind == "length_prefix":
            n = self.prefix_bytes
            if len(buffer) < n:
                return None
            size = int.from_bytes(buffer[:n], self.byteorder)
            if size > max_frame:
                raise FramingError(
                    f"the length prefix announces {size} bytes, more than the limit of {max_frame}"
                )
            if len(buffer) < n + size:
                return None
            return bytes(buffer[n : n + size]), n + size
        end = buffer.find(self.delimiter, start)
        if end < 0:
            return None
        return bytes(buffer[:end]), end + len(self.delimiter)

    def unwrap_datagram(self, datagram: bytes) -> bytes:
        """The message inside one datagram.

        A trailing delimiter is stripped; a length prefix is removed when it gives the
        datagram's exact length.  Anything else is the message as is.
        """
        if self.kind in ("line", "crlf", "delimiter"):
            return (
                datagram[: -len(self.delimiter)] if datagram.endswith(self.delimiter) else datagram
            )
        if self.kind == "length_prefix" and len(datagram) >= self.prefix_bytes:
            size = int.from_bytes(datagram[: self.prefix_bytes], self.byteorder)
            if size == len(datagram) - self.prefix_bytes:
                return datagram[self.prefix_bytes :]
        return datagram


NONE = Framing("none")
LINE = Framing("line", b"\n")
CRLF = Framing("crlf", b"\r\n")


def delimited(delimiter: bytes) -> Framing:
    """Frames ended by *delimiter* (must not be empty)."""
    if not delimiter:
        raise FramingError("a framing delimiter cannot be empty")
    return Framing("delimiter", delimiter)


def length_prefixed(prefix_bytes: int, byteorder: Byteorder = "big") -> Framing:
    """Frames preceded by their length in *prefix_bytes* bytes (1, 2, 4 or 8)."""
    if prefix_bytes not in (1, 2, 4, 8):
        raise FramingError("a length prefix is 1, 2, 4 or 8 bytes")
    if byteorder not in ("big", "little"):
        raise FramingError(f"a length prefix's byteorder is big or little, not {byteorder!r}")
    return Framing("length_prefix", prefix_bytes=prefix_bytes, byteorder=byteorder)
