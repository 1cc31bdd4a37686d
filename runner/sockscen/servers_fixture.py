"""The ``sockscen_servers`` fixture: a scenario's servers in the background of a Python test.

``with sockscen_servers("mocks/redis.yaml") as servers:`` starts the servers
of the file's scenario in a thread running trio (so the code under test may
be synchronous or use any event loop), gives their addresses
(``servers["fake_redis"].port``), and when the block ends stops them and
fails the test with the report ``sockscen run`` would print when an
``expect_count``, ``connections`` or ``expect_unmatched`` is not met, or a
request matched no rule.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

from .model import Scenario
from .results import Outcome, ScenarioResult

if TYPE_CHECKING:
    from .loadcache import LoadCache

#: How long starting the servers may take before the test fails.
START_TIMEOUT = 30.0
#: How long stopping them may take (handlers finish, programs stop).
STOP_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """Where a server listens: ``url``; ``host`` and ``port`` (TCP, UDP) or ``path`` (Unix)."""

    url: str
    host: str | None
    port: int | None
    path: str | None


#: A server's address, or for a ``listen`` mapping its addresses by key.
Served = ServerAddress | dict[str, ServerAddress]


class StandingServers:
    """The context manager ``sockscen_servers(...)`` returns (see the module docstring)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.servers: dict[str, Served] = {}
        self.result: ScenarioResult | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._token: Any = None
        self._stop: Any = None
        self._scope: Any = None
        self._up = False
        self._abandoned = False
        self._handoff = threading.Lock()
        self._error: BaseException | None = None

    def __enter__(self) -> dict[str, Served]:
        self._thread = threading.Thread(target=self._serve, name="sockscen-servers", daemon=True)
        self._thread.start()
        try:
            self._ready.wait(START_TIMEOUT)
        except BaseException:
            # pytest-timeout's failure or Ctrl-C while the servers start: no __exit__ will
            # come, and the thread would keep them up for the rest of the session.
            self._abandon()
            raise
        if not self._ready.is_set() or not self._up:
            # A start still under way (a slow ``ready``) is stopped: no __exit__ will come,
            # and its servers would come up later and stand for the rest of the session.
            self._abandon()
            self._fail(f"the servers did not start within {START_TIMEOUT:g}s")
        return self.servers

    def _abandon(self) -> None:
        import trio

        with self._handoff:
            self._abandoned = True
            token, scope = self._token, self._scope
        if token is not None:
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(scope.cancel)
        assert self._thread is not None
        self._thread.join(STOP_TIMEOUT)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import trio

        assert self._thread is not None
        if self._thread.is_alive():
            # The run may end by itself between the check and the call (a server's
            # failure cancels it): nothing is left to stop then.  run_sync_soon, not
            # trio.from_thread: that one refuses to be called from a thread running trio
            # itself, which is where an async trio test's ``with`` block ends.
            with contextlib.suppress(trio.RunFinishedError):
                self._token.run_sync_soon(self._stop.set)
        self._thread.join(STOP_TIMEOUT)
        if exc_type is None:
            self._fail("the servers' expectations were not met")

    def _serve(self) -> None:
        import trio

        from .engine.standing import addresses, serve_scenario

        def ready(run: Any) -> None:
            self.servers.update(_addresses(addresses(run)))
            self._up = True
            self._ready.set()

        async def main() -> ScenarioResult | None:
            self._stop = trio.Event()
            with trio.CancelScope() as scope:
                # Under the lock: either the test's thread sees the token and cancels
                # through it, or this run sees that the test gave up.
                with self._handoff:
                    self._token, self._scope = trio.lowlevel.current_trio_token(), scope
                    if self._abandoned:
                        scope.cancel()
                return await serve_scenario(self.scenario, self._stop.wait, ready=ready)
            return None  # abandoned while starting: everything started was stopped

        try:
            self.result = trio.run(main)
        except BaseException as exc:  # reported by the test's thread
            self._error = exc
        finally:
            self._ready.set()

    def _fail(self, why: str) -> None:
        from .reporting.failure import format_failure

        if self._error is not None:
            raise self._error
        result = self.result
        if result is None:
            assert self._thread is not None
            if self._thread.is_alive():
                pytest.fail(f"sockscen_servers: {why} (still running after {STOP_TIMEOUT:g}s)")
            pytest.fail(f"sockscen_servers: {why}; what had started was stopped")
        if result.outcome is not Outcome.PASSED:
            pytest.fail(f"sockscen_servers: {format_failure(result)}", pytrace=False)


def _addresses(found: dict[str, dict[str, Any]]) -> dict[str, Served]:
    out: dict[str, Served] = {}
    for name, where in found.items():
        if "url" in where:
            out[name] = ServerAddress(**where)
        else:
            out[name] = {key: ServerAddress(**place) for key, place in where.items()}
    return out


def servers_factory(base: Path, cache: LoadCache | None = None) -> Callable[..., StandingServers]:
    """``sockscen_servers(path, name=None)``: *path* relative to *base* (the test's folder).

    An unchanged valid file is read back from *cache*, the session's load cache.
    """
    from .errors import ConfigError
    from .loader import load_file

    def start(path: str | Path, name: str | None = None) -> StandingServers:
        # The error is the user's file, not sockscen's code: the test's line is the place to show.
        __tracebackhide__ = True
        file = Path(path) if Path(path).is_absolute() else base / path
        try:
            scenarios = load_file(file, cache=cache)
        except ConfigError as exc:
            raise exc.with_traceback(None) from None
        chosen = [s for s in scenarios if name is None or s.name == name]
        if len(chosen) != 1:
            names = ", ".join(s.name for s in scenarios)
            pytest.fail(f"sockscen_servers: choose one scenario of {file} by name= ({names})")
        return StandingServers(chosen[0])

    return start


@pytest.fixture
def sockscen_servers(request: pytest.FixtureRequest) -> Callable[..., StandingServers]:
    """Start a scenario file's servers in the background: ``with sockscen_servers(path) as s:``."""
    from .plugin_cache import load_cache

    return servers_factory(Path(request.path).parent, load_cache(request.config))
