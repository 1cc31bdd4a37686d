"""``sockscen record``, running part: a proxy whose relayed data goes into a conversation log."""

from __future__ import annotations

import math
import os
import signal

import trio

from ..addresses import parse_address
from ..errors import Location
from ..model import ListenAddress, Proxy, Scenario
from ..placeholders import static
from ..recording import ConversationLog
from .context import ScenarioContext
from .options import RunOptions
from .proxy import ProxyRun

_HERE = Location("<command line>", 1, 1)


async def record(
    listen: str,
    upstream: str,
    log: ConversationLog,
    *,
    duration: float | None = None,
    connections: int | None = None,
    on_ready: object = None,
) -> ProxyRun:
    """Relay *listen* to *upstream*, logging every relayed read, until stopped.

    Stops on SIGINT/SIGTERM, after *duration* seconds, or once *connections*
    stream connections have ended both ways.  Bad addresses and binding
    failures raise ``AddressError`` / ``SetupError``.  *on_ready* (a callable
    taking the bound address as text) is called once the proxy listens.
    """
    scheme = parse_address(listen).scheme
    spec = Proxy(
        name="record",
        listen=ListenAddress(None, static(listen), scheme, _HERE),
        upstream=static(upstream),
        location=_HERE,
        upstream_location=_HERE,
    )
    scenario = Scenario("record", "<record>", os.getcwd(), _HERE, (), (), proxies=(spec,))
    context = ScenarioContext(scenario, RunOptions(), trio.CapacityLimiter(64))
    proxy = ProxyRun(spec, context)
    proxy.observer = log.data
    try:
        proxy.bind(context.state.lookup_for({}))
        with trio.move_on_after(math.inf if duration is None else duration):
            async with trio.open_nursery() as nursery:
                context.nursery = nursery
                done = 0

                def relay_done() -> None:
                    nonlocal done
                    done += 1
                    if connections is not None and done >= connections:
                        nursery.cancel_scope.cancel()

                proxy.relay_done = relay_done
                await proxy.start(nursery)
                if callable(on_ready):
                    on_ready(context.state.values[("record", "url")])
                nursery.start_soon(_until_signal, nursery.cancel_scope)
    finally:
        proxy.close()
        context.bindings.release()
    return proxy


async def _until_signal(scope: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            scope.cancel()
            return
