"""An actor's transcript, bounded: what ``ActorRecord.note`` keeps, and what it elides.

The transcript is bounded in bytes, per actor (``--max-buffer``) and per run
(the budget on the clock), and in entries (twice ``history_limit``): past a
bound an actor keeps its first quarter (how it began) and its latest entries
(how it ended), and one note where the middle was elided says how much was.
The check costs a few additions and comparisons per entry.  Entries are kept
in columns (``live_result.RawLog``) and built into ``TranscriptEntry`` objects
only when a reporter reads them.
"""

from __future__ import annotations

from itertools import accumulate
from time import perf_counter
from typing import Protocol

from ..results import TRANSCRIPT_DATA_LIMIT, EventKind
from .live_result import RawLog

#: Step results kept per actor (beyond twice this, the oldest half is dropped).
HISTORY_LIMIT = 20_000
#: What a transcript entry costs beyond its data (the object and its fields), in bytes.
ENTRY_COST = 200
#: Transcript bytes an actor may always keep, however full the run's budget is.
ACTOR_FLOOR = 256 * 1024


class Budget(Protocol):
    """Transcript bytes every actor of a run keeps together (``used``) and their bound."""

    limit: int
    used: int


class Clock(Protocol):
    """Where the scenario's clock starts (a ``perf_counter`` value, set when it starts),
    and the bounds of transcripts: ``max_buffer`` per actor, ``transcripts`` per run."""

    started: float
    max_buffer: int

    @property
    def transcripts(self) -> Budget:
        """The run's transcript budget."""
        ...


def _fewest(costs: list[int], need: int) -> int:
    """The least k with ``costs[k] + k * ENTRY_COST >= need`` (len(costs) - 1 when none)."""
    low, high = 0, len(costs) - 1
    while low < high:  # binary search: the sum grows with k
        mid = (low + high) // 2
        if costs[mid] + mid * ENTRY_COST >= need:
            high = mid
        else:
            low = mid + 1
    return low


class BoundedTranscript:
    """The transcript half of an actor's record: ``note`` adds an entry, within the bounds.

    Times are seconds since ``clock.started``, read when each entry is noted.
    """

    __slots__ = (
        "_data",
        "_kinds",
        "_log",
        "_notes",
        "_sizes",
        "_times",
        "budget",
        "byte_limit",
        "clock",
        "elided_at",
        "elided_bytes",
        "elided_events",
        "history_limit",
        "kept_bytes",
    )

    def __init__(self, clock: Clock, log: RawLog) -> None:
        self.clock = clock
        self._log = log
        # The columns, held directly: ``note`` appends to each on every send and receive.
        self._times, self._kinds, self._data = log.times, log.kinds, log.data
        self._sizes, self._notes = log.sizes, log.notes
        #: Entries kept (see the module docstring); long-lived servers may keep fewer.
        self.history_limit = HISTORY_LIMIT
        self.budget = clock.transcripts
        self.byte_limit = max(clock.max_buffer, ACTOR_FLOOR)
        self.kept_bytes = 0
        #: Index of the note that stands for the elided middle; -1 until there is one.
        self.elided_at = -1
        self.elided_events = 0
        self.elided_bytes = 0

    def note(self, kind: EventKind, data: bytes = b"", note: str = "") -> None:
        """Add a transcript entry (data beyond ``TRANSCRIPT_DATA_LIMIT`` is counted, not kept)."""
        # On every send and receive: short bytes are kept as they are (a mutable
        # buffer is still copied: the transcript must not change under us).
        size = len(data)
        if size <= TRANSCRIPT_DATA_LIMIT and type(data) is bytes:
            kept = data
        else:
            kept = bytes(data[:TRANSCRIPT_DATA_LIMIT])
        self._times.append(perf_counter() - self.clock.started)
        self._kinds.append(kind)
        self._data.append(kept)
        self._sizes.append(size)
        self._notes.append(note)
        cost = len(kept) + ENTRY_COST
        self.kept_bytes += cost
        budget = self.budget
        budget.used += cost
        if (
            self.kept_bytes > self.byte_limit
            or budget.used > budget.limit
            or len(self._kinds) > 2 * self.history_limit
        ):
            self._elide()

    def _elide(self) -> None:
        """Drop entries from the middle: after the first quarter, before the latest ones."""
        log = self._log
        data = log.data
        count = len(data)
        too_many = count > 2 * self.history_limit
        if self.kept_bytes > self.byte_limit:
            target = self.byte_limit // 2
        elif self.budget.used > self.budget.limit and self.kept_bytes > ACTOR_FLOOR:
            # The run's budget is spent: every actor over its floor gives back half.
            target = max(self.kept_bytes // 2, ACTOR_FLOOR // 2)
        elif too_many:
            target = self.kept_bytes
        else:
            return
        log.edits += 1
        if self.elided_at < 0:
            head, index = 0, 0
            head_limit = min(self.byte_limit // 4, target // 2)
            last = min(count - 1, self.history_limit // 4)
            while index < last and head + len(data[index]) + ENTRY_COST <= head_limit:
                head += len(data[index]) + ENTRY_COST
                index += 1
            log.insert_entry(index, log.times[index], "note", "")
            self.elided_at = index
            self.kept_bytes += ENTRY_COST
            self.budget.used += ENTRY_COST
        start = self.elided_at + 1
        # C-level loops (map, accumulate, bisect): this runs on the hot path of long loops.
        middle = data[start:-1]
        costs = list(accumulate(map(len, middle), initial=0))
        need = self.kept_bytes - target
        # The fewest entries whose data plus ENTRY_COST each free at least *need* bytes.
        dropped = _fewest(costs, need) if need > 0 else 0
        if too_many:
            dropped = max(dropped, self.history_limit)
        dropped = min(len(middle), dropped)
        if dropped == 0:
            return
        end = start + dropped
        freed = costs[dropped] + dropped * ENTRY_COST
        self.elided_events += dropped
        self.elided_bytes += sum(log.sizes[start:end])
        log.delete_entries(start, end)
        self.kept_bytes -= freed
        self.budget.used -= freed
        log.notes[self.elided_at] = (
            f"{self.elided_events} events ({self.elided_bytes} bytes of data) not kept here: "
            f"transcripts are bounded ({self.byte_limit} bytes per actor, --max-buffer; "
            f"{self.budget.limit} bytes per run); the first and the latest events are kept"
        )
