"""A small key-value client: the kind of code the ``sockscen_servers`` fixture tests."""

from __future__ import annotations

import socket


class KVClient:
    """Talks a line protocol: ``PING``, ``GET key``, ``DEL key``."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=5)
        self.lines = self.sock.makefile("rb")

    def _ask(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\n")
        return self.lines.readline().decode().rstrip("\n")

    def ping(self) -> bool:
        return self._ask("PING") == "PONG"

    def get(self, key: str) -> str:
        _, _, value = self._ask(f"GET {key}").rpartition(" ")
        return value

    def close(self) -> None:
        self.lines.close()
        self.sock.close()
