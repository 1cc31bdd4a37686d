"""The cyclic garbage collector, tuned while scenarios run.

A run holds tens of objects per connection for as long as the connection
lives (the actor, its coroutine chain, cancel scopes, buffers, transcript
columns), and allocates a few per step.  With CPython's default young
threshold (700 allocations) the collector walks the young generation every
few dozen round trips and promotes long-lived connection state into older
generations that it then walks again: at 5,000 connections it was a third of
the run's CPU.  Raising the young threshold for the run's duration keeps
collections rare; cycles still get collected, a little later.  The setting
the process had is restored when the last concurrent run ends, and a
collector the user disabled or tuned higher is left alone.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["YOUNG_THRESHOLD", "tuned_collector"]

#: Allocations between young collections during a run (CPython's default: 700).
YOUNG_THRESHOLD = 20_000

_lock = threading.Lock()
# Runs can overlap (the servers fixture's thread beside a test's run): the first
# one in saves the process's thresholds, the last one out restores them.
_depth = 0
_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def tuned_collector() -> Iterator[None]:
    """Raise the young generation's threshold while the body runs."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            young, *older = _saved
            if gc.isenabled() and 0 < young < YOUNG_THRESHOLD:
                gc.set_threshold(YOUNG_THRESHOLD, *older)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            # Only our own setting is undone: one the user made meanwhile stays.
            if _depth == 0 and gc.get_threshold()[0] == YOUNG_THRESHOLD:
                gc.set_threshold(*_saved)
