"""The values placeholders take in one scenario, and the private things behind them.

``${NAME.port}`` and friends come from bound addresses, ``${tmp}`` from the
scenario's private directory (made on first use), ``${env.X}`` from the
environment and bare names from ``vars`` (expanded lazily, cycles refused).
Ports reserved for process servers and the private directory are given back
by ``release``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from ..addresses import Address, AddressError, parse_address
from ..errors import Location, SetupError
from ..masking import is_sensitive
from ..model import Scenario
from ..placeholders import PlaceholderError, Ref, Template
from ..rundirs import make_private_dir
from ..steps import ScenarioState


def tmp_base() -> str:
    """Where scenarios' private directories go: $TMPDIR when short enough, else /tmp."""
    # Unix socket paths are limited to 107 bytes: keep the private directories short.
    base = os.environ.get("TMPDIR", "/tmp")
    return base if len(base) <= 40 and os.path.isdir(base) else "/tmp"


class Bindings:
    """Placeholder values, addresses, reserved ports and the temporary directory of a scenario."""

    def __init__(self, scenario: Scenario, state: ScenarioState) -> None:
        self.scenario = scenario
        self.state = state
        self.tmp = ""
        self.reserved: list[Address] = []
        self._expanding: list[str] = []
        self._unixgram_clients = 0
        state.lazy = self.lazy

    def tmpdir(self) -> str:
        """The scenario's private temporary directory, created on first use.

        Creating and removing a directory costs more than running a small TCP
        scenario on some file systems, so scenarios that never need one
        (no relative Unix socket, no ``${tmp}``) never make one.
        """
        if not self.tmp:
            # Named for this runner, so the next run can clear it if we are SIGKILLed.
            self.tmp = make_private_dir(tmp_base())
        return self.tmp

    def lazy(self, ref: Ref) -> str:
        """The value of a placeholder that is not a bound value: tmp, env, vars."""
        path = ref.path
        if path == ("tmp",):
            return self.tmpdir()
        if path[0] in ("env", "secret") and len(path) == 2:
            value = os.environ.get(path[1])
            if value is None:
                raise PlaceholderError(f"environment variable {path[1]} is not set ({ref.text})")
            if path[0] == "secret" or is_sensitive(path[1]):
                self.state.secrets.add(value)  # the result is masked where it is assembled
            return value
        if len(path) == 1:
            for name, template in self.scenario.vars:
                if name == path[0]:
                    return self._expand_var(name, template)
        raise PlaceholderError(f"unknown placeholder {ref.text}")

    def _expand_var(self, name: str, template: Template) -> str:
        if name in self._expanding:
            cycle = " -> ".join([*self._expanding, name])
            raise PlaceholderError(f"vars refer to each other in a cycle: {cycle}")
        self._expanding.append(name)
        try:
            value = template.expand(self.state.lookup_for({}))
        finally:
            self._expanding.pop()
        self.state.values[(name,)] = value
        return value

    def add_address_values(self, server: str, key: str | None, address: Address) -> None:
        """Publish ``${server[.key].url|host|port|path}`` for a bound or reserved *address*."""
        prefix = (server,) if key is None else (server, key)
        values = self.state.values
        port = str(address.port) if not address.is_unix else ""
        for attribute, value in (
            ("url", address.url),
            ("host", address.host),
            ("port", port),
            ("path", address.path),
        ):
            path = (*prefix, attribute)
            values[path] = value

    def expand_address(
        self, template: Template, lookup: Callable[[Ref], str], location: Location
    ) -> Address:
        """The address *template* names, placed; a bad one is a ``SetupError`` at *location*."""
        try:
            text = template.expand(lookup)
        except PlaceholderError as exc:
            raise SetupError(str(exc), location) from exc
        return self.resolve(text, location)

    def resolve(self, text: str, location: Location) -> Address:
        """*text* parsed and placed; a bad address is a ``SetupError`` at *location*."""
        try:
            address = parse_address(text)
        except AddressError as exc:
            raise SetupError(str(exc), location) from exc
        return self.place(address)

    def place(self, address: Address) -> Address:
        """*address*, with a relative Unix socket path moved into the private directory."""
        if address.is_unix and not address.is_abstract and not os.path.isabs(address.path):
            return address.in_directory(self.tmpdir())
        return address

    def reserve_port(self, address: Address) -> Address:
        """A free port for a program to listen on, held until ``release``."""
        from ..ports import PORTS

        address = PORTS.reserve(address, hold=True)  # against other runners, until it starts
        self.reserved.append(address)
        return address

    def client_socket_path(self) -> str:
        """A fresh path a unixgram client binds so that it can receive replies."""
        self._unixgram_clients += 1
        return os.path.join(self.tmpdir(), f"c{self._unixgram_clients}.sock")

    def release(self) -> None:
        """Give back the reserved ports and remove the private directory."""
        if self.reserved:
            from ..ports import PORTS

            for address in self.reserved:
                PORTS.release(address)
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
