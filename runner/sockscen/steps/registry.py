"""The step kinds, keyed by their YAML key: one line per kind.

A new step kind is one module (its model class, ``build``, ``run``,
``describe``, gathered in its ``KIND``) plus one line here, its schema
``$def`` and its doc section.  The builder looks kinds up here by key, in
this order; the actor by model class, in ``STEP_KINDS`` derived from it.
"""

from __future__ import annotations

from typing import Any

from ..model import Step
from . import (
    abort,
    close,
    expect,
    expect_eof,
    expect_file,
    expect_reset,
    expect_silence,
    notify,
    repeat,
    send,
    shutdown,
    sleep,
    wait,
)
from .interface import StepKind

STEPS: dict[str, StepKind[Any]] = {
    kind.key: kind
    for kind in (
        send.KIND,
        expect.KIND,
        expect_eof.KIND,
        expect_reset.KIND,
        expect_file.KIND,
        expect_silence.KIND,
        sleep.KIND,
        close.KIND,
        shutdown.KIND,
        abort.KIND,
        notify.KIND,
        wait.KIND,
        repeat.KIND,
    )
}

#: The same kinds by model class: what the actor dispatches a step on.
STEP_KINDS: dict[type[Step], StepKind[Any]] = {kind.model: kind for kind in STEPS.values()}


def describe_step(step: Step) -> str:
    """One line for reports: ``expect "hello\\n"``, ``send 5 bytes``, ``wait ready``."""
    kind = STEP_KINDS.get(type(step))
    return kind.describe_step(step) if kind is not None else type(step).__name__.lower()
