"""Step kinds: one small module per kind, registered in ``steps.registry``.

Each kind module holds the kind's model class (a ``model.Step``), its
builder, its run and its describe, gathered in its ``KIND``.  The kind
modules import no trio: they build against ``kinds.StepContext`` and run
against ``steps.interface.StepActor``.

For the engine, this package also offers the trio side under its old names
(``Actor``, ``ScenarioState``), loaded on first use so that importing a kind
module never loads trio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..connection import Connection, StreamOps
from .interface import StepActor, StepFailed, StepKind
from .registry import STEP_KINDS, STEPS, describe_step

if TYPE_CHECKING:
    from ..actor import Actor
    from ..state import ScenarioState

__all__ = [
    "STEPS",
    "STEP_KINDS",
    "Actor",
    "Connection",
    "ScenarioState",
    "StepActor",
    "StepFailed",
    "StepKind",
    "StreamOps",
    "describe_step",
]


def __getattr__(name: str) -> Any:
    # The trio actor lives a layer up (sockscen.actor, sockscen.state).
    if name == "Actor":
        from ..actor import Actor

        return Actor
    if name == "ScenarioState":
        from ..state import ScenarioState

        return ScenarioState
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
