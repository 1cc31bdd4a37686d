"""What the actors of one scenario share: clock origin, events, placeholder values, captures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import trio

from .placeholders import PlaceholderError, Ref

#: Transcript bytes all actors of one run may keep together (see ``steps.record``).
RUN_TRANSCRIPT_LIMIT = 256 * 1024 * 1024


@dataclass
class TranscriptBudget:
    """How many transcript bytes the actors of one run keep, and the most they may."""

    limit: int = RUN_TRANSCRIPT_LIMIT
    used: int = 0


@dataclass
class ScenarioState:
    """What the actors of one scenario share: clock origin, events, variables.

    ``values`` maps placeholder paths (``("app", "port")``, ``("tmp",)``) to
    their text; ``lazy`` computes the rest (``vars`` with placeholders,
    ``env.*``).  ``captures`` holds regex named groups of every actor (the
    last value wins); each actor also keeps its own, which take precedence.
    """

    started: float
    default_timeout: float
    max_buffer: int
    values: dict[tuple[str, ...], str] = field(default_factory=dict)
    lazy: Callable[[Ref], str] | None = None
    captures: dict[str, str] = field(default_factory=dict)
    events: dict[str, trio.Event] = field(default_factory=dict)
    #: Values of ``${secret.*}`` (and credential-like ``${env.*}``) used: masked in reports.
    secrets: set[str] = field(default_factory=set)
    #: Shared by every scenario of a run; a scenario run alone gets its own.
    transcripts: TranscriptBudget = field(default_factory=TranscriptBudget)

    def event(self, name: str) -> trio.Event:
        """The scenario-wide event *name* (created unset on first use)."""
        ev = self.events.get(name)
        if ev is None:
            ev = self.events[name] = trio.Event()
        return ev

    def lookup_for(self, local: dict[str, str]) -> Callable[[Ref], str]:
        """A placeholder lookup seeing *local* captures first, then the scenario's values."""
        return _Lookup(self, local)


class _Lookup:
    """``ScenarioState.lookup_for``'s lookup: one small object per actor (not a closure and
    its cells: thousands of connections each have one, for the garbage collector to walk)."""

    __slots__ = ("local", "state")

    def __init__(self, state: ScenarioState, local: dict[str, str]) -> None:
        self.state = state
        self.local = local

    def __call__(self, ref: Ref) -> str:
        path = ref.path
        state = self.state
        if len(path) == 1:
            name = path[0]
            if name in self.local:
                return self.local[name]
            if name in state.captures:
                return state.captures[name]
        value = state.values.get(path)
        if value is not None:
            return value
        if state.lazy is not None:
            return state.lazy(ref)
        raise PlaceholderError(f"unknown placeholder {ref.text}")
