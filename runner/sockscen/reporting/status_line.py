"""The console's live status line: written under the real lines, erased before each of them.

``StatusLine`` owns the console's stream: every write goes through it, under
one lock, because a timer thread (``Ticker``) redraws the line while the
event loop prints scenario lines.  The line's text comes from a function
(``Progress.status``); on a stream that is no live terminal nothing but the
real lines is ever written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TextIO

__all__ = ["CLEAR_LINE", "StatusLine", "Ticker"]

#: Carriage return plus "erase to end of line": removes the live status line.
CLEAR_LINE = "\r\x1b[K"


class Ticker:
    """Calls *function* every *period* seconds from a daemon thread, between start and stop."""

    def __init__(self, period: float, function: Callable[[], None]) -> None:
        self.period = period
        self.function = function
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start calling the function."""
        self._thread = threading.Thread(target=self._loop, name="sockscen-status", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self.function()

    def stop(self) -> None:
        """Stop, and wait for a call under way to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


class StatusLine:
    """Writes text to *stream* with, when *live*, the status line *status()* kept under it.

    ``tick`` (seconds) redraws the line from a timer thread between ``start``
    and ``stop``.  ``lock`` is re-entrant: hold it while changing what
    *status* reads, so the timer never draws a half-made change.
    """

    def __init__(
        self,
        stream: TextIO,
        status: Callable[[], str],
        *,
        live: bool,
        tick: float | None = None,
    ) -> None:
        self.stream = stream
        self.status = status
        self.live = live
        self.shown = False
        self.lock = threading.RLock()
        self._ticker = Ticker(tick, self.redraw) if tick is not None and live else None

    def start(self) -> None:
        """Draw the line (when live) and start the timer, if any."""
        if self.live:
            with self.lock:
                self._write(self.status())
                self.shown = True
        if self._ticker is not None:
            self._ticker.start()

    def redraw(self) -> None:
        """Draw the line again, its text brought up to date (the timer thread calls this)."""
        with self.lock:
            if self.shown:
                self._write(CLEAR_LINE + self.status())

    def write(self, text: str) -> None:
        """Write *text* above the status line: erase the line, write, draw the line again."""
        # One write: a terminal never shows the text without the line under it.
        with self.lock:
            out = [CLEAR_LINE] if self.shown else []
            self.shown = False
            out.append(text)
            if self.live:
                out.append(self.status())
                self.shown = True
            joined = "".join(out)
            if joined:
                self._write(joined)

    def finish(self, text: str) -> None:
        """Stop the timer, erase the status line for good and write *text*."""
        self.stop()
        with self.lock:
            erase = CLEAR_LINE if self.shown else ""
            self.shown = False
            self._write(erase + text)

    def stop(self) -> None:
        """Stop the timer thread, if any."""
        if self._ticker is not None:
            self._ticker.stop()

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
        except UnicodeEncodeError:
            # A terminal that is not UTF-8 (LANG=C, a Windows code page) must
            # not turn a scenario name with "é" into a crash of the run.
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            self.stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        self.stream.flush()
