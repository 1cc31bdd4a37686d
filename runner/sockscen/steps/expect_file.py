"""``expect_file``: poll a file until its whole content matches (what a program wrote)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..matchers import AnyData, Matcher
from ..model import Step
from ..payloads import PathKey
from ..placeholders import PlaceholderError, Ref, Template
from ..rendering import plural
from ..wholecheck import check_output, whole_captures
from .interface import StepActor, StepFailed, StepKind

#: First pause between two reads of the file, then growing up to ``POLL_MAX``.
POLL_FIRST = 0.01
POLL_MAX = 0.2
#: The most of a file read (and shown): a log of a test run is far smaller.
FILE_LIMIT = 16 * 1024 * 1024
_TMP = Ref(("tmp",))


@dataclass(frozen=True, slots=True)
class ExpectFile(Step):
    """File ``path`` (relative to ``${tmp}``) comes to match ``matcher`` within the timeout."""

    path: Template
    matcher: Matcher
    timeout: float | None = None


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> ExpectFile:
    """``expect_file: {path, MATCHER..., timeout}``; without a matcher, the file just exists."""
    fat = (*at, "expect_file")
    spec = item["expect_file"]
    path = ctx.template(spec["path"], (*fat, "path"))
    rest = {k: v for k, v in spec.items() if k not in ("path", "timeout")}
    # The whole file is judged: the matcher needs no connection (actor None).
    matcher = ctx.matcher(rest, fat, None) if rest else AnyData()
    timeout = ctx.duration(spec["timeout"], (*fat, "timeout")) if "timeout" in spec else None
    return ExpectFile(label, ctx.loc(at), path, matcher, timeout)


def _where(actor: StepActor, step: ExpectFile) -> str:
    path = step.path.expand(actor.lookup)
    return path if os.path.isabs(path) else os.path.join(actor.lookup(_TMP), path)


def _read(path: str) -> bytes | None:
    """The file's bytes (at most ``FILE_LIMIT``), None while it does not exist."""
    try:
        with open(path, "rb") as file:
            return file.read(FILE_LIMIT)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return None


async def run(actor: StepActor, step: ExpectFile) -> None:
    """Read and judge the file until it matches; the deadline ends the polling."""
    actor.set_timeout(step.timeout)
    try:
        path = _where(actor, step)
    except PlaceholderError as exc:
        raise actor.fail(str(exc)) from exc
    pause = POLL_FIRST
    while True:
        data = _read(path)
        if data is not None and check_output(step.matcher, data, actor.lookup, "file") is None:
            actor.note("note", note=f"{step.path.source}: {plural(len(data), 'byte')} matched")
            captures = whole_captures(step.matcher, data, actor.lookup)
            if captures:
                actor.capture(captures)
            return
        await actor.sleep(pause)
        pause = min(pause * 2, POLL_MAX)


def timed_out(actor: StepActor, step: ExpectFile, waited: float) -> StepFailed:
    """Say what the file held last (or that it never existed), and why it did not match."""
    path = _where(actor, step)
    data = _read(path)
    head = f"timed out after {waited:.3g}s waiting for {path} to match"
    if data is None:
        return actor.fail(f"{head}; the file does not exist", expected_text=step.matcher.describe())
    reason = check_output(step.matcher, data, actor.lookup, "file") or "it matches now"
    return actor.fail(
        f"{head}; its last content ({plural(len(data), 'byte')}) does not: {reason}",
        expected_text=step.matcher.describe(),
        received=data[-4096:],
    )


def describe(step: ExpectFile) -> str:
    """``expect_file ${tmp}/app.log: contains "started"``."""
    return f"expect_file {step.path.source}: {step.matcher.describe()}"


KIND = StepKind(
    "expect_file", ExpectFile, build, run, describe, timed_out=timed_out, needs_connection=False
)
