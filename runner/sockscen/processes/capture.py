"""Output capture: bounded tails of stdout and stderr, transcript entries, a readiness line watch.

A chatty program neither eats memory (only the tail is kept; older bytes
are counted) nor blocks on a full pipe (output is read continuously).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

import trio

from ..regexes import GaveUp, UserRegex, compile_regex
from ..rendering import escape_bytes
from ..results import TRANSCRIPT_DATA_LIMIT, EventKind, ProcessOutput, TranscriptEntry

#: Bytes of stdout and of stderr kept per process (the tail; older bytes are counted, not kept).
OUTPUT_TAIL_LIMIT = 64 * 1024
#: Bytes of each stream recorded in the transcript; after that only the tail buffer keeps output.
TRANSCRIPT_OUTPUT_LIMIT = 64 * 1024
#: Longest partial line kept while looking for a readiness line.
READY_LINE_LIMIT = 64 * 1024
#: How long output readers get to reach end-of-file after the process is gone.
DRAIN_TIMEOUT = 1.0
#: Lines of each stream quoted in error messages and failure details.
TAIL_LINES = 12

Stream = Literal["stdout", "stderr"]


class Piped(Protocol):
    """A started program whose stdout and stderr are read here."""

    @property
    def stdout(self) -> trio.abc.ReceiveStream | None: ...

    @property
    def stderr(self) -> trio.abc.ReceiveStream | None: ...


class OutputTail:
    """The last ``limit`` bytes written to it; ``dropped`` counts bytes let go from the front."""

    def __init__(self, limit: int = OUTPUT_TAIL_LIMIT) -> None:
        self.limit = limit
        self.dropped = 0
        self._buffer = bytearray()

    def append(self, data: bytes) -> None:
        self._buffer += data
        excess = len(self._buffer) - self.limit
        if excess > 0:
            del self._buffer[:excess]
            self.dropped += excess

    @property
    def data(self) -> bytes:
        return bytes(self._buffer)

    def tail(self, limit: int) -> tuple[bytes, int]:
        """The last *limit* bytes and how many bytes were dropped in front of them in all."""
        data = self.data[-limit:]
        return data, self.dropped + len(self._buffer) - len(data)


#: Seconds a readiness regex may spend on one line: lines are short, and an exploding
#: pattern must not hold up the event loop (``regex`` notices its limit late, measured
#: at about ten times the limit, so the limit is kept small).
READY_MATCH_TIMEOUT = 0.1


class LineWatch:
    """Finds the first output line matching a readiness regex, across arbitrary chunk boundaries.

    Lines are decoded as UTF-8 (invalid bytes replaced) and tested with
    ``re.search`` without their line ending.  A partial line longer than
    ``READY_LINE_LIMIT`` is tested and dropped, so memory stays bounded.
    """

    def __init__(self, pattern: re.Pattern[str] | UserRegex[str]) -> None:
        self.pattern = pattern if isinstance(pattern, UserRegex) else compile_regex(pattern.pattern)
        self.matched: str | None = None
        #: The named groups of the matching line: variables once the server is ready.
        self.groups: dict[str, str] = {}
        #: Set when the regex gave up on a line; the watch then stops, as if it matched.
        self.gave_up: GaveUp | None = None
        self._pending = bytearray()

    def feed(self, data: bytes) -> bool:
        """Add output; True once a line has matched."""
        if self.matched is not None:
            return True
        self._pending += data
        while self.matched is None:
            end = self._pending.find(b"\n")
            if end < 0:
                break
            self._test(bytes(self._pending[:end]))
            del self._pending[: end + 1]
        if self.matched is None and len(self._pending) > READY_LINE_LIMIT:
            self._test(bytes(self._pending))
            self._pending.clear()
        return self.matched is not None

    def finish(self) -> bool:
        """End of output: test the last line even without a newline."""
        if self.matched is None and self._pending:
            self._test(bytes(self._pending))
            self._pending.clear()
        return self.matched is not None

    def _test(self, line: bytes) -> None:
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        found = self.pattern.search(text, timeout=READY_MATCH_TIMEOUT)
        if isinstance(found, GaveUp):
            self.gave_up = found
            self.matched = text
        elif found is not None:
            self.matched = text
            self.groups = {k: v for k, v in found.groupdict().items() if v is not None}


class Capture:
    """Both output streams of one process: tails, transcript entries and an optional line watch.

    *clock* gives transcript times (minus *started*); ``time.perf_counter`` by default.
    """

    def __init__(
        self,
        actor: str,
        started: float,
        *,
        watch: tuple[str, re.Pattern[str] | UserRegex[str]] | None = None,
        limits: dict[str, int] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.actor = actor
        self.started = started
        self._clock = clock
        limits = limits or {}
        self.tails = {
            "stdout": OutputTail(limits.get("stdout", OUTPUT_TAIL_LIMIT)),
            "stderr": OutputTail(limits.get("stderr", OUTPUT_TAIL_LIMIT)),
        }
        self.transcript: list[TranscriptEntry] = []
        self._recorded = {"stdout": 0, "stderr": 0}
        self.watch_stream = watch[0] if watch else None
        self.watch = LineWatch(watch[1]) if watch else None
        self.line_seen = trio.Event()
        self.done = trio.Event()

    def now(self) -> float:
        return self._clock() - self.started

    def note(self, kind: EventKind, note: str, data: bytes = b"") -> None:
        entry = TranscriptEntry(
            self.now(), self.actor, kind, data[:TRANSCRIPT_DATA_LIMIT], len(data), note
        )
        self.transcript.append(entry)

    def add(self, stream: Stream, data: bytes) -> None:
        """Record a chunk of output from *stream* (``stdout`` or ``stderr``)."""
        self.tails[stream].append(data)
        recorded = self._recorded[stream]
        if recorded < TRANSCRIPT_OUTPUT_LIMIT:
            room = TRANSCRIPT_OUTPUT_LIMIT - recorded
            shown = data[:room]
            self.transcript.append(
                TranscriptEntry(self.now(), self.actor, stream, shown, len(data))
            )
            self._recorded[stream] = recorded + len(data)
            if len(data) > room:
                self.note("note", f"further {stream} is left out of the transcript (see the tail)")
        if self.watch is not None and stream == self.watch_stream and self.watch.feed(data):
            self.line_seen.set()

    async def read(self, stream: trio.abc.ReceiveStream | None, name: Stream) -> None:
        """Read *stream* to its end; never raises (a closed or broken pipe just ends the output)."""
        if stream is None:
            return
        try:
            while True:
                data = bytes(await stream.receive_some(65536))
                if not data:
                    break
                self.add(name, data)
        except (trio.ClosedResourceError, trio.BrokenResourceError, OSError):
            pass
        finally:
            if self.watch is not None and name == self.watch_stream and self.watch.finish():
                self.line_seen.set()
            with contextlib.suppress(Exception):
                await trio.aclose_forcefully(stream)

    async def pump(self, proc: Piped, scope: trio.CancelScope) -> None:
        """Read stdout and stderr until both end or *scope* is cancelled; then set ``done``."""
        try:
            with scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self.read, proc.stdout, "stdout")
                    nursery.start_soon(self.read, proc.stderr, "stderr")
        finally:
            self.done.set()

    async def drain(self, scope: trio.CancelScope) -> None:
        """Give the readers a bounded time to reach end-of-file, then stop them."""
        with trio.CancelScope(shield=True), trio.move_on_after(DRAIN_TIMEOUT):
            await self.done.wait()
        scope.cancel()

    def output(
        self,
        argv: Sequence[str],
        pid: int | None,
        returncode: int | None,
        stopped_by_runner: bool,
    ) -> ProcessOutput:
        out, out_dropped = self.tails["stdout"].tail(OUTPUT_TAIL_LIMIT)
        err, err_dropped = self.tails["stderr"].tail(OUTPUT_TAIL_LIMIT)
        return ProcessOutput(
            tuple(argv),
            pid,
            out,
            err,
            out_dropped,
            err_dropped,
            returncode,
            stopped_by_runner,
        )

    def tail_lines(self, lines: int = TAIL_LINES) -> list[str]:
        """The last *lines* lines of stdout and of stderr, ready to indent in a message."""
        shown: list[str] = []
        for name in ("stdout", "stderr"):
            tail = self.tails[name]
            data = tail.data
            if not data:
                continue
            parts = data.rstrip(b"\n").split(b"\n")
            cut = len(parts) > lines or tail.dropped > 0
            shown.append(f"{name}{' (last lines)' if cut else ''}:")
            shown.extend("  | " + escape_bytes(p.rstrip(b"\r")) for p in parts[-lines:])
        return shown
