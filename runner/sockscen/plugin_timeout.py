"""pytest-timeout and sockscen: the plugin's timer becomes the scenarios' own deadline.

pytest-timeout stops a test by raising from a ``SIGALRM`` handler (or, with
``--timeout-method thread``, by ending the process).  Raised inside a trio
run, the exception leaves trio's run context behind and every later run in
the process fails; ending the process leaves the scenarios' servers running.
So the timer is taken over through pytest-timeout's hooks:

* a scenario item never gets pytest-timeout's timer: its timeout (from
  ``--timeout``, the ini file or a ``timeout`` marker, ``func_only`` or not)
  caps the scenario's own ``timeout``, which the engine enforces with an
  orderly stop and cleanup;
* a Python test calling the ``sockscen_run`` fixture keeps its timer, but it
  is paused while scenarios run; the time left (less a grace for the rest of
  the test) caps their deadline, and the timer is set again with what remains
  afterwards (at least the grace).

The hooks are optional: without pytest-timeout they are never called.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .model import Scenario

__all__ = [
    "capped",
    "item_timeout",
    "paused_timer",
    "pytest_timeout_cancel_timer",
    "pytest_timeout_set_timer",
]

#: The least time a deadline can be (a run whose time is up still reports it).
_MIN_REARM = 0.01
#: Kept from a paused timer for the rest of the Python test (at most a fifth of its time):
#: the scenarios' deadline ends this much earlier, and the timer is set again with at
#: least this, so the test can look at the result before pytest-timeout stops it.
_GRACE = 1.0


@dataclasses.dataclass
class _Timer:
    """pytest-timeout's settings for an item, and when its timer started."""

    settings: Any  # pytest_timeout.Settings, a namedtuple
    started: float
    owned: bool  # True: a scenario item; pytest-timeout set no timer
    pausing: bool = False

    def remaining(self) -> float:
        return max(0.0, float(self.settings.timeout) - (time.monotonic() - self.started))


_timer_key = pytest.StashKey[_Timer]()


def _owns_timer(item: pytest.Item) -> bool:
    # Scenario items say so with a class attribute (no import of the plugin module here).
    return bool(getattr(item, "sockscen_owns_timer", False))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    """Keep the timeout of every item; a scenario item gets no pytest-timeout timer."""
    timer = item.stash.get(_timer_key, None)
    if timer is not None and timer.pausing:
        return None
    owned = _owns_timer(item)
    item.stash[_timer_key] = _Timer(settings, time.monotonic(), owned)
    return True if owned else None


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> bool | None:
    """Forget the item's timer; there is none to cancel for a scenario item."""
    timer = item.stash.get(_timer_key, None)
    if timer is None or timer.pausing:
        return None
    del item.stash[_timer_key]
    return True if timer.owned else None


def _func_only_settings(item: pytest.Item) -> Any:
    # With ``timeout_func_only`` pytest-timeout sets its timer in the call phase, after
    # the scenario ran in setup: ask it for the item's settings directly.
    plugin = item.config.pluginmanager.get_plugin("timeout")
    get_settings = getattr(plugin, "_get_item_settings", None)
    if get_settings is None:
        return None
    return get_settings(item)


def item_timeout(item: pytest.Item) -> float | None:
    """Seconds pytest-timeout leaves *item*'s scenarios, None without a timeout."""
    timer = item.stash.get(_timer_key, None)
    if timer is not None:
        return timer.remaining()
    settings = _func_only_settings(item)
    if settings is None or not settings.timeout or settings.timeout <= 0:
        return None
    return float(settings.timeout)


@contextlib.contextmanager
def paused_timer(item: pytest.Item) -> Iterator[float | None]:
    """Pause pytest-timeout's timer of a Python test while scenarios run; yield the time left."""
    timer = item.stash.get(_timer_key, None)
    if timer is None or timer.owned:
        yield item_timeout(item)
        return
    left = timer.remaining()
    grace = min(_GRACE, left / 5)
    if threading.current_thread() is not threading.main_thread():
        # Called from a worker thread (``trio.to_thread.run_sync(sockscen_run, ...)`` in an
        # async test): pytest-timeout's SIGALRM timer can only be changed from the main
        # thread, so it keeps running and the scenarios end before it fires.
        yield left - grace
        return
    hook = item.config.hook
    timer.pausing = True
    started = time.monotonic()
    try:
        hook.pytest_timeout_cancel_timer(item=item)
        yield left - grace
    finally:
        rest = max(grace, _MIN_REARM, left - (time.monotonic() - started))
        hook.pytest_timeout_set_timer(item=item, settings=timer.settings._replace(timeout=rest))
        timer.pausing = False


def capped(scenarios: Sequence[Scenario], deadline: float | None) -> list[Scenario]:
    """*scenarios* with their ``timeout`` cut to *deadline* seconds where it is longer."""
    if deadline is None:
        return list(scenarios)
    # Zero would be no time at all: a run whose time is up still gets a moment to report it.
    deadline = max(deadline, _MIN_REARM)
    return [
        dataclasses.replace(s, timeout=deadline) if s.timeout > deadline else s for s in scenarios
    ]
