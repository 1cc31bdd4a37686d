"""``expect``: read and check the next frame, delimited bytes, stream data or datagram."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..matchers import Exact, Matched, Matcher, Mismatch, Regex
from ..model import Step
from ..payloads import PathKey, Payload
from ..payloads.source import describe_source
from ..placeholders import PlaceholderError
from ..regexes import GaveUp, compile_regex
from .building import step_timeout
from .interface import StepActor, StepFailed, StepKind, timeout_failure


@dataclass(frozen=True, slots=True)
class Expect(Step):
    """Read and check.  ``timeout`` None means the run's default step timeout."""

    matcher: Matcher
    timeout: float | None = None


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> Expect:
    """``expect: MATCHER`` with optional ``timeout``."""
    timeout = step_timeout(ctx, item, at)
    matcher = ctx.matcher(item["expect"], (*at, "expect"), actor)
    return Expect(label, ctx.loc(at), matcher, timeout)


async def run(actor: StepActor, step: Expect) -> None:
    """Wait (within the step's timeout) until the data meets the matcher, then consume it."""
    conn = actor.need_conn() if actor.pending_datagram is None else actor.conn
    assert conn is not None
    actor.set_timeout(step.timeout)
    if not conn.is_stream:
        await _expect_datagram(actor, step)
        return
    matcher = step.matcher
    lookup = actor.lookup
    delimiter = None if actor.framed or matcher.until is None else matcher.delimiter(lookup)
    buffer = actor.buffer
    buffer.begin()
    size_checked = False
    # The buffer size at which the stream matcher runs again: from the first, empty, look
    # on, below RECHECK_FROM: a deferred look waits with a timer, too dear per round trip.
    due = 0
    while True:
        deferred = False
        if actor.framed or delimiter is not None:
            got = buffer.next_frame(actor.framing) if delimiter is None else buffer.until(delimiter)
            if got is not None:
                frame, consumed = got
                verdict = matcher.check_frame(frame, lookup)
                if isinstance(verdict, Mismatch):
                    raise mismatch(actor, step, verdict, frame)
                buffer.consume(consumed)
                actor.taken += consumed
                if verdict.captures:
                    actor.capture(verdict.captures)
                return
        elif buffer.eof or len(buffer.data) >= due or buffer.full:
            result = buffer.match(matcher, lookup)
            if type(result) is Matched:
                buffer.consume(result.consumed)
                actor.taken += result.consumed
                if result.captures:
                    actor.capture(result.captures)
                return
            if isinstance(result, Mismatch):
                raise mismatch(actor, step, result, buffer.peek(max(result.shown, 1)))
            due = _next_match_at(len(buffer.data))
        else:
            deferred = True
        # Before waiting for more: would waiting help at all? (``buffer.full``, inlined:
        # this is the hot path of every round trip)
        if buffer.eof or len(buffer.data) >= buffer.limit:
            raise _cannot_wait(actor, step)
        if not size_checked:
            size_checked = True
            size = None if actor.framed or delimiter is not None else matcher.size(lookup)
            if size is not None and size > buffer.limit:
                raise actor.fail(
                    f"this expectation needs {size} bytes, more than the read limit of "
                    f"{buffer.limit} bytes: raise --max-buffer",
                )
        if deferred:
            if await actor.within(QUIET_PAUSE, actor.fill) is None:
                due = 0  # the peer paused: look now, whatever the size
        else:
            await actor.fill()


RECHECK_FROM = 65536
"""Unread bytes from which a stream matcher no longer runs after every read."""

QUIET_PAUSE = 0.01
"""Seconds without data after which a deferred stream matcher runs anyway."""

HINT_WINDOW = 1 << 20
"""How much of the unread data a timed-out stream regex searches for a later match."""


def _next_match_at(held: int) -> int:
    """The buffer size at which a stream matcher that needs more data runs again.

    A matcher such as a regex looks at all the unread data each time: run after
    every 64 KiB read of a flood, it cost time quadratic in the data (16 MiB of
    ``x`` against ``x+y`` took longer than the step's timeout, which it then
    overshot by seconds).  Past ``RECHECK_FROM`` it runs again once the data
    grew by a quarter, or when the peer pauses (``QUIET_PAUSE``), at the end of
    the stream and when the buffer is full: linear in all.
    """
    return 0 if held < RECHECK_FROM else held + held // 4


async def _expect_datagram(actor: StepActor, step: Expect) -> None:
    datagram = await actor.next_datagram()
    frame = actor.framing.unwrap_datagram(datagram) if actor.framed else datagram
    outcome = step.matcher.check_frame(frame, actor.lookup)
    if isinstance(outcome, Mismatch):
        raise mismatch(actor, step, outcome, frame)
    actor.taken += 1
    if outcome.captures:
        actor.capture(outcome.captures)


def _cannot_wait(actor: StepActor, step: Expect) -> StepFailed:
    """The failure when more data cannot come (end of stream) or must not (the buffer is full)."""
    buffer = actor.buffer
    if buffer.eof:
        what = "a complete frame" if actor.framed else "the delimiter"
        return actor.fail(
            f"the peer closed the connection before {what} arrived",
            expected=expected_bytes(actor, step),
            received=buffer.peek(),
        )
    return actor.fail(
        f"received {len(buffer)} bytes without meeting the expectation "
        f"(the limit is {buffer.limit} bytes; see --max-buffer)",
        expected=expected_bytes(actor, step),
        received=buffer.peek(4096),
    )


def expected_bytes(actor: StepActor, step: Expect) -> bytes | None:
    """The bytes the matcher wants, when it wants exact bytes that can be rendered."""
    payload: Payload | None = getattr(step.matcher, "payload", None)
    if payload is None:
        return None
    try:
        return payload.render(actor.lookup)
    except (PlaceholderError, UnicodeError):
        return None


def mismatch(actor: StepActor, step: Expect, outcome: Mismatch, received: bytes) -> StepFailed:
    """The failure for data that does not meet the expectation."""
    expected = expected_bytes(actor, step)
    return actor.fail(
        outcome.reason,
        expected=expected,
        expected_text=None if expected is not None else step.matcher.describe(),
        received=received,
    )


def describe(step: Expect) -> str:
    """``expect "hello\\n"``, ``expect regex ...``; a list payload as written, not expanded."""
    matcher = step.matcher
    if isinstance(matcher, Exact) and len(matcher.payload.parts) > 1:
        return f"expect {describe_source(matcher.payload)}"
    return f"expect {matcher.describe()}"


def timed_out(actor: StepActor, step: Expect, waited: float) -> StepFailed:
    """Timed out: say whether anything arrived, and show what was expected.

    A stream ``regex`` must match at the start of the unread data; when it
    would match further on, the message says where, and how to search.
    """
    failed = timeout_failure(
        actor, waited, "the expected data", expected=expected_bytes(actor, step), quiet=True
    )
    offset = _later_match(actor, step)
    if offset is None:
        return failed
    hint = (
        f"; the regex would match at offset {offset} of the unread data, but on a stream it "
        "must match at the start: consume what comes first (start the regex with (?s).*?), "
        "or cut a frame with until: and search it with contains:"
    )
    failure = failed.failure
    return StepFailed(dataclasses.replace(failure, message=failure.message + hint))


def _later_match(actor: StepActor, step: Expect) -> int | None:
    """Where a stream regex would match past the start of the unread data, or None."""
    matcher = step.matcher
    if not isinstance(matcher, Regex) or actor.framed or matcher.until is not None:
        return None
    data = actor.buffer.peek(HINT_WINDOW)  # a hint: not worth seconds over a flood
    if not data:
        return None
    try:
        pattern = matcher.regex(actor.lookup).pattern
    except (PlaceholderError, re.error):
        return None
    found = compile_regex(pattern).search(data, 1, timeout=0.25)
    if found is None or isinstance(found, GaveUp):
        return None
    return found.start()


KIND = StepKind("expect", Expect, build, run, describe, timed_out=timed_out)
