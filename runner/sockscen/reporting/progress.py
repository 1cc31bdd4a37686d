"""The console's progress: counts, and the live status line's text.

``Progress`` counts finished scenarios by outcome and remembers the running
ones; its ``status()`` is the live line (``[37/200] 35 passed, 2 failed
12.3s``), naming the scenarios that have run for ``LONG_RUNNING`` seconds or
more, longest first, cut to the terminal's width (``status_line`` draws it).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

from ..rendering import escape_text, plural
from ..results import Outcome, ScenarioResult

__all__ = ["LONG_RUNNING", "Progress"]

#: Seconds a scenario runs before the status line names it.
LONG_RUNNING = 3.0
#: Running scenarios named on the status line at most.
_NAMED = 3


class Progress:
    """How far a run is: totals, outcome counts, and which scenarios are running since when."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.started = clock()
        self.total: int | None = None
        self.done = 0
        self.counts = dict.fromkeys(Outcome, 0)
        #: Scenario id -> (name, when it started), in start order.
        self.running: dict[str, tuple[str, float]] = {}

    def begin(self, total: int) -> None:
        """The run starts *total* scenarios now."""
        self.total = total
        self.started = self.clock()

    def scenario_started(self, scenario_id: str, name: str) -> None:
        """A scenario started."""
        self.running[scenario_id] = (name, self.clock())

    def scenario_finished(self, result: ScenarioResult) -> None:
        """A scenario finished with *result*."""
        self.done += 1
        self.counts[result.outcome] += 1
        self.running.pop(result.id, None)

    @property
    def total_text(self) -> str:
        """The total as shown, ``?`` before the run started."""
        return "?" if self.total is None else str(self.total)

    def status(self) -> str:
        """The live status line, cut to the terminal's width."""
        counts = self.counts
        passed, failed = counts[Outcome.PASSED], counts[Outcome.FAILED]
        text = f"[{self.done}/{self.total_text}] {passed} passed, {failed} failed"
        if counts[Outcome.ERROR]:
            text += ", " + plural(counts[Outcome.ERROR], "error")
        if counts[Outcome.SKIPPED]:
            text += f", {counts[Outcome.SKIPPED]} skipped"
        now = self.clock()
        text = f"{text}  {now - self.started:.1f}s" + self._running_text(now)
        # A status line wider than the terminal would wrap, and \r would not erase it.
        width = shutil.get_terminal_size((80, 24)).columns - 1
        return text if len(text) <= width else text[: max(width - 3, 0)] + "..."

    def _running_text(self, now: float) -> str:
        long = [(now - t, n) for n, t in self.running.values() if now - t >= LONG_RUNNING]
        if not long:
            return ""
        long.sort(key=lambda pair: -pair[0])
        named = ", ".join(f"{escape_text(n)} ({age:.0f}s)" for age, n in long[:_NAMED])
        rest = len(self.running) - min(len(long), _NAMED)
        return f"  running: {named}" + (f" +{rest} more" if rest else "")
