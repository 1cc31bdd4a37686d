"""One in-process workload of ``run_all.py``, in a fresh interpreter so memory figures are its own.

    python bench/_workloads.py KIND IMPL N [ROUNDS]

KIND is ``tcp``, ``unix`` or ``udp`` (one client doing N echo round trips of
16 bytes) or ``clients`` (N concurrent clients, each doing ROUNDS round trips
against one echo server); IMPL is ``sockscen`` (a scenario loaded and run
through the public API) or ``raw`` (the same exchange written directly with
trio).  Prints one JSON line: wall and CPU seconds of the exchange (loading
excluded; CPU is the steadier figure on a busy machine), the process's peak
RSS in MiB, and whether it passed.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path

import trio

MESSAGE = b"0123456789abcde\n"  # 16 bytes

ECHO = """\
name: echo round trips
timeout: 10m
servers:
  echo:
    listen: {listen}
    handle:
      - repeat:
          count: {rounds}
          steps:
            - expect: "0123456789abcde\\n"
            - send: "0123456789abcde\\n"
clients:
  client:
    connect: ${{echo.url}}
    count: {clients}
    steps:
      - repeat:
          count: {rounds}
          steps:
            - send: "0123456789abcde\\n"
            - expect: "0123456789abcde\\n"
"""

LISTEN = {"tcp": "tcp://127.0.0.1:0", "unix": "unix:echo.sock", "udp": "udp://127.0.0.1:0"}


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def run_sockscen(kind: str, clients: int, rounds: int) -> tuple[float, float, bool]:
    """Load the scenario, then time its run; returns (wall seconds, CPU seconds, passed)."""
    from sockscen.api import load, raise_open_file_limit, run_scenarios

    raise_open_file_limit()
    listen = LISTEN["tcp" if kind == "clients" else kind]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "echo.yaml"
        path.write_text(ECHO.format(listen=listen, rounds=rounds, clients=clients))
        scenarios = load(path)
        started, cpu = time.perf_counter(), time.process_time()
        result = run_scenarios(scenarios)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu, result.ok


async def _receive_exactly(stream: trio.SocketStream, buffer: bytearray, size: int) -> bytes:
    while len(buffer) < size:
        data = await stream.receive_some(65536)
        if not data:
            raise EOFError("peer closed")
        buffer += data
    out = bytes(buffer[:size])
    del buffer[:size]
    return out


async def _echo_handler(stream: trio.SocketStream, rounds: int) -> None:
    buffer = bytearray()
    for _ in range(rounds):
        if await _receive_exactly(stream, buffer, len(MESSAGE)) != MESSAGE:
            raise AssertionError("echo server got different bytes")
        await stream.send_all(MESSAGE)


async def _stream_client(stream: trio.SocketStream, rounds: int) -> None:
    buffer = bytearray()
    for _ in range(rounds):
        await stream.send_all(MESSAGE)
        if await _receive_exactly(stream, buffer, len(MESSAGE)) != MESSAGE:
            raise AssertionError("client got different bytes")
    await stream.aclose()


async def _raw_stream(kind: str, clients: int, rounds: int, tmp: str) -> None:
    if kind == "unix":
        path = os.path.join(tmp, "echo.sock")
        sock = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        await sock.bind(path)
        sock.listen(4096)
        listeners: list[trio.SocketListener] = [trio.SocketListener(sock)]
    else:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1", backlog=4096)
        port = listeners[0].socket.getsockname()[1]

    async def connect() -> trio.SocketStream:
        if kind == "unix":
            return await trio.open_unix_socket(path)
        return await trio.open_tcp_stream("127.0.0.1", port)

    async def one_client() -> None:
        await _stream_client(await connect(), rounds)

    async def handler(stream: trio.SocketStream) -> None:
        await _echo_handler(stream, rounds)

    async with trio.open_nursery() as nursery:
        # A draining accept loop: serve_listeners accepts and spawns a handler per connection.
        nursery.start_soon(trio.serve_listeners, handler, listeners)
        async with trio.open_nursery() as inner:
            for _ in range(clients):
                inner.start_soon(one_client)
        nursery.cancel_scope.cancel()


async def _raw_udp(rounds: int) -> None:
    server = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    await server.bind(("127.0.0.1", 0))
    client = trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    await client.connect(server.getsockname())

    async def serve() -> None:
        while True:
            data, sender = await server.recvfrom(65536)
            await server.sendto(data, sender)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve)
        for _ in range(rounds):
            await client.send(MESSAGE)
            if await client.recv(65536) != MESSAGE:
                raise AssertionError("client got a different datagram")
        nursery.cancel_scope.cancel()


def run_raw(kind: str, clients: int, rounds: int) -> tuple[float, float]:
    """The same exchange in raw trio; returns (wall seconds, CPU seconds)."""
    _raise_fd_limit()
    with tempfile.TemporaryDirectory() as tmp:
        # The whole trio run, listeners included, as sockscen's figure includes its set-up.
        started, cpu = time.perf_counter(), time.process_time()
        if kind == "udp":
            trio.run(_raw_udp, rounds)
        else:
            trio.run(_raw_stream, "tcp" if kind == "clients" else kind, clients, rounds, tmp)
        return time.perf_counter() - started, time.process_time() - cpu


def main(argv: list[str]) -> int:
    kind, impl, n = argv[0], argv[1], int(argv[2])
    clients, rounds = (n, int(argv[3])) if kind == "clients" else (1, n)
    if impl == "sockscen":
        seconds, cpu, ok = run_sockscen(kind, clients, rounds)
    else:
        (seconds, cpu), ok = run_raw(kind, clients, rounds), True
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mib": rss_mib, "ok": ok}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
