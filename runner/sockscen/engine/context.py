"""What the actors of one running scenario share: its state, its bindings, its failures.

Each actor kind's runner (see ``kinds``) gets this object and nothing more
of the lifecycle, so a new kind needs no change to ``scenario``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import trio

from ..errors import InternalError, SetupError
from ..model import Scenario
from ..results import ActorResult, Failure
from ..steps import Actor, ScenarioState
from .bindings import Bindings
from .options import RunOptions, random_seed

if TYPE_CHECKING:
    from .. import processes


#: Failed connections of standing servers kept for the report; the rest are counted.
KEEP_CONNECTION_FAILURES = 32


@dataclass
class Standing:
    """What standing servers track of their failed connections."""

    #: Called with each failure as it happens (``sockscen serve`` prints it).
    seen: Callable[[Failure], None] = lambda failure: None
    kept: int = 0
    dropped: int = 0


@dataclass
class ScenarioContext:
    """The shared state of one running scenario (one per ``ScenarioRun``)."""

    scenario: Scenario
    options: RunOptions
    connect_limiter: trio.CapacityLimiter
    state: ScenarioState = field(init=False)
    bindings: Bindings = field(init=False)
    #: perf_counter() when the scenario started: transcripts count from here.
    clock0: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    setup_error: SetupError | InternalError | None = None
    #: Socket clients, in start order.
    actors: list[Actor] = field(default_factory=list)
    #: Finished program clients and programs that failed to start, in completion order.
    actor_results: list[ActorResult] = field(default_factory=list)
    #: Program clients still running when the scenario was cut short.
    interrupted_clients: list[ActorResult] = field(default_factory=list)
    #: Process servers that started, in start order.
    programs: list[processes.ServerProcess] = field(default_factory=list)
    #: Set once teardown begins: a program exiting now is being stopped, not crashing.
    stopping: bool = False
    cancel_scope: trio.CancelScope | None = None
    #: The scenario's nursery: background work of its connections (a slow close, a hang).
    nursery: trio.Nursery | None = None
    #: Where every random fault decision of the run comes from (``--seed``).
    seed: int = field(init=False)
    #: Copies of each process client that exited meeting expectations (for its ``notify``).
    passed_copies: dict[str, int] = field(default_factory=dict)
    #: ``(path, size)`` of every file written from ``files:``, as reports show them.
    files: list[tuple[str, int]] = field(default_factory=list)
    #: Set while the servers stand (``engine.standing``): connection failures do not stop them.
    standing: Standing | None = None

    def __post_init__(self) -> None:
        self.seed = self.options.seed if self.options.seed is not None else random_seed()
        self.state = ScenarioState(
            started=0.0,
            default_timeout=self.options.effective_step_timeout,
            max_buffer=self.options.max_buffer,
        )
        self.bindings = Bindings(self.scenario, self.state)

    def spawn(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run *work* in the scenario's nursery; it is cancelled when the scenario ends."""
        if self.nursery is None:
            raise RuntimeError("no scenario is running")
        self.nursery.start_soon(work)

    def record_failure(self, failure: Failure) -> None:
        """Keep *failure* and stop the scenario: the first failure is the cause."""
        self.failures.append(failure)
        if self.cancel_scope is not None:
            self.cancel_scope.cancel()

    def connection_failed(self, failure: Failure) -> bool:
        """One connection's handler of a server failed; whether to keep its actor for reports.

        In a run this is ``record_failure``.  While servers stand (``sockscen
        serve``, ``sockscen_servers``) one bad peer must not take the servers
        down for everyone: the failure is kept for the final report (the first
        ``KEEP_CONNECTION_FAILURES``; the rest only counted) and serving goes on.
        """
        if self.standing is None:
            self.record_failure(failure)
            return True
        self.standing.seen(failure)
        if self.standing.kept >= KEEP_CONNECTION_FAILURES:
            self.standing.dropped += 1
            return False
        self.standing.kept += 1
        self.failures.append(failure)
        return True

    def setup_failed(self, error: SetupError) -> None:
        """Keep the first *error* (the cause) and stop the scenario: it ends as ERROR."""
        if self.setup_error is None:
            self.setup_error = error
        if self.cancel_scope is not None:
            self.cancel_scope.cancel()
