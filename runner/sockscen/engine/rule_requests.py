"""How a rule server reads requests and sends replies, kept quick under load.

``stream_request`` cuts the next request from a stream, ``send_reply``
sends an answer within the server's timeout, and ``ReadyReads`` skips the
idle wait when the next request is already here.
"""

from __future__ import annotations

import trio

from ..connection import Connection, ResetByPeer
from ..model import RuleServer
from ..rules import Decision, RuleScope, decide_frame, decide_stream
from ..steps import Actor
from ..transport import StreamConnection, TransportError

#: Requests read without waiting before a connection yields to the others.
YIELD_EVERY = 16


async def stream_request(
    actor: Actor, spec: RuleServer, scope: RuleScope, limit: float
) -> tuple[bytes, Decision]:
    """Cut the next request from the stream: wait (at most *limit* s) until rules can decide.

    *limit* bounds the whole request, not each read: a peer trickling a byte
    at a time cannot hold a request open for longer.
    """
    buffer = actor.buffer
    deadline: float | None = None  # set at the first wait: most requests need none
    while True:
        if actor.framed:
            got = buffer.next_frame(actor.framing)
            if got is not None:
                frame, used = got
                buffer.consume(used)
                return frame, decide_frame(spec.rules, scope.state, frame, actor.lookup)
        else:
            decision = decide_stream(spec.rules, scope.state, buffer.data, buffer.eof, actor.lookup)
            if decision is not None:
                request = buffer.peek(decision.consumed)
                buffer.consume(decision.consumed)
                return request, decision
        if buffer.eof:
            raise actor.fail(
                "the peer closed the connection in the middle of a request",
                received=buffer.peek(),
                location=spec.location,
            )
        if buffer.full:
            raise actor.fail(
                f"a request of {len(buffer)} bytes is still incomplete "
                f"(the limit is {buffer.limit} bytes; see --max-buffer)",
                received=buffer.peek(4096),
                location=spec.location,
            )
        if deadline is None:
            deadline = trio.current_time() + limit
        left = deadline - trio.current_time()
        if left <= 0 or await actor.within(left, actor.fill) is None:
            raise actor.fail(
                f"a request stayed incomplete for {limit:g}s (the server's timeout)",
                received=buffer.peek(),
                location=spec.location,
            )


async def send_reply(actor: Actor, conn: Connection, data: bytes, limit: float | None) -> None:
    """Send a reply within the server's timeout.

    The deadline is only set when the socket cannot take the reply at once:
    moving it for every reply (and back for the idle wait) cost more than
    the rest of a request.  Outside a reply the deadline stays lifted.
    """
    if isinstance(conn, StreamConnection):
        sent = conn.send_ready(data)
        if sent == len(data):
            return
        data = data[sent:]
    actor.set_timeout(limit)
    await conn.send(data)
    actor.no_deadline()


class ReadyReads:
    """``actor.peer_has_more``, without its idle wait when the next request is already here.

    The idle wait costs a cancel scope and two deadline moves per request;
    under load the client's next request has usually arrived by the time the
    reply is sent, so one non-blocking read settles it.
    """

    def __init__(self) -> None:
        self.count = 0

    async def peer_has_more(self, actor: Actor, conn: Connection, closing: bool) -> bool:
        """True when the peer sent more (now in ``actor.buffer``), False when it is done."""
        buffer = actor.buffer
        if closing or not isinstance(conn, StreamConnection) or buffer.data or buffer.eof:
            return await actor.peer_has_more()  # finishing: the idle wait takes what is here
        try:
            data = conn.receive_ready()
        except ResetByPeer as exc:
            actor.note("reset", note=str(exc))  # as the idle wait says it
            return False
        except TransportError as exc:
            actor.note("note", note=str(exc))
            return False
        if data is None:
            return await actor.peer_has_more()
        buffer.feed(data)
        if not data:
            actor.note("eof")
            return False
        actor.note("received", data)
        self.count += 1
        if self.count % YIELD_EVERY == 0:  # a fair trio citizen, like the transport
            await trio.lowlevel.checkpoint()
        return True
