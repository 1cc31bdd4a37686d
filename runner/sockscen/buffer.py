"""The receive buffer: stream bytes received and not yet consumed, and the scans over them.

Pure (no trio, no sockets), like h11's ``ReceiveBuffer``: it remembers how
far the current search got, so each newly received chunk costs only its own
size to examine, and a long frame arriving in many small pieces is read in
linear time.  A search starts with ``begin``; ``consume`` takes the bytes a
search found and starts the next one from the front.

The buffer is bounded by its ``limit`` (``--max-buffer``): the reader asks
``full`` before it waits for more.
"""

from __future__ import annotations

from .framing import Framing
from .matchers import Matcher, MatchOutcome, NeedMore
from .payloads import Lookup


class ReceiveBuffer:
    """Bytes received and not yet consumed; ``eof`` once the peer ended the stream."""

    __slots__ = ("_scanned", "data", "eof", "limit")

    def __init__(self, limit: int) -> None:
        self.data = bytearray()
        self.eof = False
        #: The most a search may need to hold (frames and stream matches alike).
        self.limit = limit
        # No match begins before this offset (the current search already looked there).
        self._scanned = 0

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    @property
    def full(self) -> bool:
        """``limit`` bytes or more are held: waiting for more would be unbounded."""
        return len(self.data) >= self.limit

    def feed(self, data: bytes) -> None:
        """Add received bytes; ``b""`` marks the end of the stream."""
        if data:
            self.data += data
        else:
            self.eof = True

    def begin(self) -> None:
        """Start a new search (a different frame, delimiter or matcher) from the front."""
        self._scanned = 0

    def consume(self, size: int) -> None:
        """Drop the first *size* bytes (what a search found); the next search starts afresh."""
        del self.data[:size]
        self._scanned = 0

    def peek(self, size: int | None = None) -> bytes:
        """A copy of the first *size* bytes (all of them by default), for reports."""
        return bytes(self.data if size is None else self.data[:size])

    def next_frame(self, framing: Framing) -> tuple[bytes, int] | None:
        """The first complete frame and the bytes it takes, or None until more arrives.

        Raises ``FramingError`` when a length prefix announces more than ``limit``.
        """
        data = self.data
        got = framing.decode(data, self.limit, self._scanned)
        if got is None:
            # A delimiter may straddle the end: look again from its possible start.
            self._scanned = max(0, len(data) - len(framing.delimiter) + 1)
        return got

    def until(self, delimiter: bytes) -> tuple[bytes, int] | None:
        """The bytes before the first *delimiter* and the count it takes with the delimiter."""
        data = self.data
        end = data.find(delimiter, self._scanned)
        if end >= 0:
            return bytes(data[:end]), end + len(delimiter)
        self._scanned = max(0, len(data) - len(delimiter) + 1)
        return None

    def match(self, matcher: Matcher, lookup: Lookup) -> MatchOutcome:
        """Match the front of the stream against *matcher* (which sees ``eof`` too)."""
        data = self.data
        result = matcher.match_stream(data, self.eof, lookup, self._scanned)
        if type(result) is NeedMore:
            self._scanned = len(data)
        return result
