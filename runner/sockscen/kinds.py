"""What a kind's builder may ask of the scenario being built, and what a step list runs on.

Every kind (payload part, matcher form, step) builds itself from its validated
YAML through a small context protocol, so that kind modules depend on no
builder, no YAML and no trio: ``payloads.PartContext`` for parts,
``matchers.MatcherContext`` for matchers, ``StepContext`` here for steps.
``build.Context`` implements all three.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from . import model
from .errors import Location
from .matchers import Matcher, MatcherContext
from .payloads import PathKey


@dataclass(frozen=True)
class ActorInfo:
    """What a step list runs on: its name for messages, its transport and whether it is framed."""

    label: str
    #: "stream", "datagram", "none" (a client without connect), or None when unknown until run
    transport: str | None
    framed: bool


class StepContext(MatcherContext, Protocol):
    """What a step's builder may ask of the scenario being built."""

    def key_loc(self, at: PathKey) -> Location:
        """Where the key of the entry at *at* is in the file."""

    def duration(self, value: Any, at: PathKey) -> float:
        """*value* in seconds (a problem and 0.0 when it is not a duration)."""

    def matcher(self, value: Any, at: PathKey, actor: ActorInfo | None) -> Matcher:
        """The matcher written at *at*, checked against *actor*'s connection."""

    def steps(
        self, items: Sequence[Any], at: PathKey, actor: ActorInfo, prefix: str = ""
    ) -> tuple[model.Step, ...]:
        """The step list at *at*, labelled ``PREFIX1``, ``PREFIX2``..."""

    def notify(self, event: str) -> None:
        """Record that some actor notifies *event*."""

    def wait(self, event: str, at: PathKey) -> None:
        """Record a wait for *event* (checked against the notifies once all are built)."""


S = TypeVar("S", bound="model.Step")

#: Builds one step from its list item (a mapping, or a bare string such as ``close``),
#: given the item's path, the step's label and the actor it runs on.
StepBuilder = Callable[[StepContext, Any, PathKey, str, ActorInfo], "S | None"]
