"""Socket clients: sockscen connects to ``connect`` and runs the client's steps."""

from __future__ import annotations

from functools import partial
from time import perf_counter

from ..addresses import AddressError, parse_address
from ..model import SocketClient
from ..placeholders import PlaceholderError
from ..steps import Actor
from ..transport import TransportError, open_datagram, open_stream
from .context import ScenarioContext
from .faulty import apply_faults


async def run_socket_client(context: ScenarioContext, spec: SocketClient, copy: int | None) -> None:
    """Run one copy of a socket client; its failure becomes the scenario's."""
    label = spec.name if copy is None else f"{spec.name}[{copy}]"
    actor = Actor(
        context.state, label=label, name=spec.name, role="client", framing=spec.framing, copy=copy
    )
    actor.home = spec.location
    context.actors.append(actor)
    # A partial, not a closure: one object per client instead of a function and its cells.
    connect = partial(_connect, context, spec, actor) if spec.connect is not None else None
    result = await actor.run(spec.steps, before=connect)
    if result.failure is not None:
        context.record_failure(result.failure)


async def _connect(context: ScenarioContext, spec: SocketClient, actor: Actor) -> None:
    assert spec.connect is not None
    try:
        text = spec.connect.expand(actor.lookup)
    except PlaceholderError as exc:
        raise actor.fail(str(exc), location=spec.location) from exc
    try:
        address = context.bindings.place(parse_address(text))
    except AddressError as exc:
        raise actor.fail(f"connect: {exc}", location=spec.location) from exc
    async with context.connect_limiter:
        # The step timeout covers the connect itself, not the wait for a turn.
        actor.current_started = perf_counter()
        actor.connecting_to = str(address)
        actor.set_timeout(None)
        try:
            if address.is_stream:
                actor.conn = await open_stream(address)
            else:
                local = context.bindings.client_socket_path() if address.is_unix else None
                any_port = spec.reply_from == "any"
                actor.conn = await open_datagram(address, local, any_port=any_port)
        except TransportError as exc:
            raise actor.fail(str(exc), location=spec.location) from exc
    actor.connecting_to = None
    actor.note("connected", note=f"to {address}")
    if spec.faults:
        identity = (spec.name, actor.result.copy or 1)
        actor.conn = apply_faults(context, actor.conn, spec.faults, identity, actor.note)
