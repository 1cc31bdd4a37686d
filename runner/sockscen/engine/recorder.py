"""``sockscen record``, running part: a proxy whose relayed data goes into a conversation log."""

from __future__ import annotations

import math
import os
import signal
from collections.abc import AsyncIterator

import trio

from ..addresses import parse_address
from ..errors import Location
from ..model import ListenAddress, Proxy, Scenario
from ..placeholders import static
from ..recording import ConversationLog
from .context import ScenarioContext
from .options import RunOptions
from .proxy import ProxyRun
from .relay import Unreachable

_HERE = Location("<command line>", 1, 1)


async def record(
    listen: str,
    upstream: str,
    log: ConversationLog,
    *,
    duration: float | None = None,
    connections: int | None = None,
    on_ready: object = None,
    unreachable: Unreachable | None = None,
) -> ProxyRun:
    """Relay *listen* to *upstream*, logging every relayed read, until stopped.

    Stops on SIGINT/SIGTERM, after *duration* seconds, once *connections*
    stream connections have ended both ways, once *log* is full, or when the
    proxy fails (``proxy.context.failures`` says why).  Bad
    addresses and binding failures raise ``AddressError`` / ``SetupError``.
    *on_ready* (a callable taking the bound address as text) is called once
    the proxy listens; *unreachable* whenever a connection's upstream
    cannot be reached.
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
    proxy.unreachable = unreachable
    try:
        # Ours from the start: a Ctrl-C as soon as the user sees "recording" stops it cleanly.
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            proxy.bind(context.state.lookup_for({}))
            with trio.move_on_after(math.inf if duration is None else duration):
                async with trio.open_nursery() as nursery:
                    context.nursery = nursery
                    # A failure of the proxy (out of file descriptors, of senders) stops it.
                    context.cancel_scope = nursery.cancel_scope
                    _stop_when_done(proxy, log, nursery.cancel_scope, connections)
                    await proxy.start(nursery)
                    nursery.start_soon(_until_signal, signals, nursery.cancel_scope)
                    if callable(on_ready):
                        on_ready(context.state.values[("record", "url")])
    finally:
        proxy.close()
        context.bindings.release()
    return proxy


def _stop_when_done(
    proxy: ProxyRun, log: ConversationLog, scope: trio.CancelScope, connections: int | None
) -> None:
    """Log what *proxy* relays; cancel *scope* once *connections* have ended, or *log* is full."""
    done = 0

    def relay_done() -> None:
        nonlocal done
        done += 1
        if connections is not None and done >= connections:
            scope.cancel()

    def observe(n: int, direction: str, data: bytes) -> None:
        log.data(n, direction, data)
        if log.full:
            scope.cancel()

    proxy.relay_done = relay_done
    proxy.observer = observe
    proxy.ended = log.ended


async def _until_signal(signals: AsyncIterator[int], scope: trio.CancelScope) -> None:
    async for _ in signals:
        scope.cancel()
        return
