"""What several step kinds' builders share: the optional ``timeout``, the argument-less form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import Location
from ..kinds import ActorInfo, StepBuilder, StepContext
from ..model import Step
from ..payloads import PathKey

S = TypeVar("S", bound=Step)


def step_timeout(ctx: StepContext, item: dict[str, Any], at: PathKey) -> float | None:
    """The step's ``timeout`` in seconds; None when it has none (the run's default applies)."""
    return ctx.duration(item["timeout"], (*at, "timeout")) if "timeout" in item else None


def bare(model: Callable[[str, Location], S]) -> StepBuilder[S]:
    """The builder of a step without argument (``close``): bare, or as a key with no value."""

    def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> S:
        return model(label, ctx.loc(at))

    return build
