"""``send``: write the payload (one frame with framing, one datagram on datagram sockets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ActorInfo, StepContext
from ..model import Step
from ..payloads import PathKey, Payload
from ..payloads.source import describe_source
from ..rendering import quote_bytes
from .interface import StepActor, StepKind


@dataclass(frozen=True, slots=True)
class Send(Step):
    """Write the payload: one frame with framing, one datagram on datagram sockets."""

    payload: Payload
    chunk: int | None = None
    gap: float = 0.0


def build(ctx: StepContext, item: Any, at: PathKey, label: str, actor: ActorInfo) -> Send:
    """``send: PAYLOAD`` with optional ``chunk`` and ``gap``."""
    gap = ctx.duration(item["gap"], (*at, "gap")) if "gap" in item else 0.0
    payload = ctx.payload(item["send"], (*at, "send"))
    return Send(label, ctx.loc(at), payload, item.get("chunk"), gap)


async def run(actor: StepActor, step: Send) -> None:
    """Render, frame and send the payload (in ``chunk``-byte pieces ``gap`` seconds apart)."""
    conn = actor.need_conn()
    # A fault wrapper records what it really sent, piece by piece, and when.
    noted = not getattr(conn, "notes_sends", False)
    data = step.payload.render(actor.lookup)
    if actor.framed:
        data = actor.framing.encode(data)
    if step.chunk is None or step.chunk >= len(data):
        actor.set_timeout(None)
        await conn.send(data)
        if noted:
            actor.note("sent", data)
        return
    # One piece at a time: a list of them all doubled a large payload in memory.
    count = -(-len(data) // step.chunk)
    for i in range(count):
        piece = data[i * step.chunk : (i + 1) * step.chunk]
        actor.set_timeout(None)
        await conn.send(piece)
        if noted:
            actor.note("sent", piece, f"chunk {i + 1}/{count}")
        if step.gap and i + 1 < count:
            actor.no_deadline()
            await actor.sleep(step.gap)


def describe(step: Send) -> str:
    """``send "hello\\n"``, ``send <payload> in 2-byte chunks``."""
    static = step.payload.static
    if len(step.payload.parts) > 1:
        body = describe_source(step.payload)  # as written: the bytes are in the transcript
    else:
        body = quote_bytes(static, 80) if static is not None else "<payload>"
    extra = f" in {step.chunk}-byte chunks" if step.chunk else ""
    return f"send {body}{extra}"


def waiting_for(step: Send) -> str:
    """A send times out when the peer stops reading."""
    return "the peer to read what we send"


KIND = StepKind("send", Send, build, run, describe, waiting_for)
