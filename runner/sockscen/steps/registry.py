"""The step kinds, keyed by model class: one line per kind.

A new step kind is one module (its ``run``, ``describe``, later its
``build``) plus one line here, its schema ``$def`` and its doc section.
"""

from __future__ import annotations

from typing import Any

from ..model import (
    Abort,
    Close,
    Expect,
    ExpectEof,
    ExpectSilence,
    Notify,
    Repeat,
    Send,
    Shutdown,
    Sleep,
    Step,
    Wait,
)
from . import (
    abort,
    close,
    expect,
    expect_eof,
    expect_silence,
    notify,
    repeat,
    send,
    shutdown,
    sleep,
    wait,
)
from .interface import StepKind

STEP_KINDS: dict[type, StepKind[Any]] = {
    Send: send.KIND,
    Expect: expect.KIND,
    ExpectEof: expect_eof.KIND,
    ExpectSilence: expect_silence.KIND,
    Sleep: sleep.KIND,
    Close: close.KIND,
    Shutdown: shutdown.KIND,
    Abort: abort.KIND,
    Notify: notify.KIND,
    Wait: wait.KIND,
    Repeat: repeat.KIND,
}


def describe_step(step: Step) -> str:
    """One line for reports: ``expect "hello\\n"``, ``send 5 bytes``, ``wait ready``."""
    kind = STEP_KINDS.get(type(step))
    return kind.describe_step(step) if kind is not None else type(step).__name__.lower()
