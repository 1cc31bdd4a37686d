"""Process servers: a program under test that listens, started before the clients run.

Its addresses are settled first (a free port reserved for port 0, a fixed
one checked to be free) so every program can be told every address; then
the programs start concurrently, and a watcher turns an early exit into the
scenario's failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import trio

from ..addresses import Address
from ..errors import SetupError
from ..model import ListenAddress, ProcessServer
from ..placeholders import Ref
from ..regexes import compile_regex
from ..results import Failure
from ..steps import Actor
from ..transport import check_free
from .context import ScenarioContext

if TYPE_CHECKING:
    from .. import processes


class ProcessServerRun:
    """One process server of a running scenario."""

    #: A program may connect to the scripted servers as it starts: they come first.
    start_phase = 1

    def __init__(self, spec: ProcessServer, context: ScenarioContext) -> None:
        self.spec = spec
        self.context = context
        self.actors: list[Actor] = []  # a program's result comes from processes, not steps
        self.proc: processes.ServerProcess | None = None

    def _announced(self, listen: ListenAddress) -> bool:
        """True when *listen* names a group of the ready regex: known only once it is ready."""
        pattern = self.spec.ready.pattern
        if pattern is None:
            return False
        groups = compile_regex(pattern).groupindex
        return any(len(ref.path) == 1 and ref.path[0] in groups for ref in listen.template.refs)

    def bind(self, lookup: Callable[[Ref], str]) -> None:
        """Reserve (port 0) or check (fixed) every ``listen`` address and publish its values.

        An address the program announces (``listen: tcp://127.0.0.1:${port}``
        with ``port`` a group of its ready regex) is settled once it is ready.
        """
        spec, bindings = self.spec, self.context.bindings
        for listen in spec.listen:
            if self._announced(listen):
                continue
            address = bindings.expand_address(listen.template, lookup, listen.location)
            if not address.is_unix and address.port == 0:
                address = bindings.reserve_port(address)
            else:
                busy = check_free(address)
                if busy is not None:
                    raise SetupError(f"server '{spec.name}': {busy}", listen.location) from busy
            bindings.add_address_values(spec.name, listen.key, address)

    async def start(self, nursery: trio.Nursery) -> None:
        """Start the program (its readers and watcher run in *nursery*); ``SetupError`` if not."""
        from .. import processes

        context = self.context
        spec = self.spec
        addresses: list[Address] = []
        values = context.state.values
        for listen in spec.listen:
            key = (spec.name, "url") if listen.key is None else (spec.name, listen.key, "url")
            if key in values:
                addresses.append(context.bindings.resolve(values[key], listen.location))
        process_context = processes.ProcessContext(
            lookup=context.state.lookup_for({}),
            directory=context.scenario.directory,
            started=context.clock0,
        )
        from ..ports import PORTS

        for address in addresses:
            PORTS.unhold(address)  # held against other runners until now
        try:
            proc = await processes.start_server(spec, nursery, process_context, addresses)
        except processes.ProcessStartError as exc:
            context.actor_results.append(exc.result)  # what the server printed
            raise
        self.proc = proc
        context.programs.append(proc)
        nursery.start_soon(self._watch, proc)
        self._publish_announced(proc.announced)

    def _publish_announced(self, announced: dict[str, str]) -> None:
        """The ready line's named groups become variables; announced addresses settle now."""
        values, bindings = self.context.state.values, self.context.bindings
        for group, value in announced.items():
            values[(group,)] = value
        lookup = self.context.state.lookup_for({})
        for listen in self.spec.listen:
            if self._announced(listen):
                address = bindings.expand_address(listen.template, lookup, listen.location)
                bindings.add_address_values(self.spec.name, listen.key, address)

    async def _watch(self, proc: processes.ServerProcess) -> None:
        await proc.wait_exit()
        if not self.context.stopping:
            # The process's own verdict carries the exit status and the output tail.
            failure = proc.result(exited_early=True).failure
            assert failure is not None
            self.context.record_failure(failure)

    async def finish(self) -> None:
        """Nothing to wait for: the program runs until teardown."""

    def check_connections(self) -> Failure | None:
        """Programs count their own connections: nothing to check."""
        return None

    async def stop(self) -> None:
        """Stop the program (bounded and idempotent)."""
        if self.proc is not None:
            await self.proc.stop()

    def close(self) -> None:
        """Nothing to close: ``stop`` ended the program."""
