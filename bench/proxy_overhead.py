"""Benchmark: what a sockscen proxy adds to a client<->server exchange, next to socat.

Three paths to the same echo server (a separate Python process), measured in
interleaved runs so machine noise spreads evenly:

- direct:   client -> server
- sockscen: client -> sockscen proxy (no faults; a `sockscen run` subprocess) -> server
- socat:    client -> `socat TCP-LISTEN:P,fork,reuseaddr TCP:upstream` -> server
- raw trio: client -> a 15-line trio relay -> server (TCP only: the floor for any trio relay)

For TCP and UDP: round-trip latency (64-byte echo, mean per run) and
throughput (TCP: 32 MiB one way, acknowledged at end of stream; UDP: 1 KiB
datagrams, 64 in flight).  Prints median [min-max] over the runs, and the
latency each relay adds per round trip.  socat missing: its rows are skipped
with a message (`apt-get install socat`).  Goal: sockscen adds at most 2x
what socat adds.

    python bench/proxy_overhead.py [--runs N] [--round-trips N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ECHO_SERVER = r"""
import socket, sys, threading
kind, port = sys.argv[1], int(sys.argv[2])
if kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(64)
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    mode = c.recv(1)
    total = 0
    while True:
        data = c.recv(262144)
        if not data:
            break
        if mode == b"e":
            c.sendall(data)
        else:
            total += len(data)
    if mode == b"s":
        c.sendall(str(total).encode())
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

#: A minimal raw trio relay (TCP only): what any trio relay costs, next to sockscen's own.
TRIO_RELAY = r"""
import sys, trio
listen, up = int(sys.argv[1]), int(sys.argv[2])
async def pump(a, b):
    while data := await a.receive_some(65536):
        await b.send_all(data)
    await b.send_eof()
async def handle(client):
    upstream = await trio.open_tcp_stream("127.0.0.1", up)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(pump, client, upstream)
        nursery.start_soon(pump, upstream, client)
trio.run(trio.serve_tcp, handle, listen)
"""

PROXY_SCENARIO = """\
name: proxy for the benchmark
timeout: 1h
proxies:
  p:
    listen: {scheme}://127.0.0.1:{port}
    upstream: {scheme}://127.0.0.1:{upstream}
clients:
  idle:                     # keeps the scenario (and so the proxy) up until it is stopped
    connect: ${{p.url}}
    steps:
      - sleep: 1h
"""


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_tcp(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def wait_udp(port: int) -> None:
    deadline = time.monotonic() + 15
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.connect(("127.0.0.1", port))
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                s.send(b"x")
                s.recv(16)
                return
    raise SystemExit(f"no UDP echo on port {port}")


@contextlib.contextmanager
def process(argv: list[str]) -> Iterator[None]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tcp_latency(port: int, n: int) -> float:
    """Mean round trip, in microseconds."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"e")
        msg = b"x" * 64
        for _ in range(50):  # warm up
            s.sendall(msg)
            _recv_exactly(s, 64)
        start = time.perf_counter()
        for _ in range(n):
            s.sendall(msg)
            _recv_exactly(s, 64)
        return (time.perf_counter() - start) / n * 1e6


def _recv_exactly(s: socket.socket, size: int) -> None:
    got = 0
    while got < size:
        chunk = s.recv(size - got)
        if not chunk:
            raise SystemExit("the connection closed mid-measurement")
        got += len(chunk)


def tcp_throughput(port: int, size: int = 32 << 20) -> float:
    """MiB/s of a one-way transfer, acknowledged by the server at end of stream."""
    block = b"y" * (256 << 10)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"s")
        start = time.perf_counter()
        for _ in range(size // len(block)):
            s.sendall(block)
        s.shutdown(socket.SHUT_WR)
        answer = s.recv(64)
        elapsed = time.perf_counter() - start
    if int(answer or b"0") != size:
        raise SystemExit(f"the server counted {answer!r} bytes, not {size}")
    return size / elapsed / (1 << 20)


def udp_latency(port: int, n: int) -> float:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        msg = b"x" * 64
        for _ in range(50):
            s.send(msg)
            s.recv(2048)
        start = time.perf_counter()
        for _ in range(n):
            s.send(msg)
            s.recv(2048)
        return (time.perf_counter() - start) / n * 1e6


def udp_throughput(port: int, batches: int = 300, window: int = 64) -> float:
    """MiB/s of 1 KiB datagrams echoed, *window* in flight (a lost one ends the run)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        msg = b"z" * 1024
        start = time.perf_counter()
        for _ in range(batches):
            for _ in range(window):
                s.send(msg)
            for _ in range(window):
                s.recv(2048)
        elapsed = time.perf_counter() - start
    return batches * window * 1024 / elapsed / (1 << 20)


def shown(values: list[float], digits: int = 1) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"[{min(values):.{digits}f}-{max(values):.{digits}f}]"
    )


def measure(
    kind: str, runs: int, round_trips: int, have_socat: bool
) -> dict[str, dict[str, list[float]]]:
    sock_kind = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    upstream, via_sockscen, via_socat, via_trio = (free_port(sock_kind) for _ in range(4))
    wait = wait_tcp if kind == "tcp" else wait_udp
    latency: Callable[[int, int], float] = tcp_latency if kind == "tcp" else udp_latency
    throughput: Callable[[int], float] = tcp_throughput if kind == "tcp" else udp_throughput
    paths = {"direct": upstream, "sockscen": via_sockscen}
    if kind == "tcp":
        paths["raw trio"] = via_trio
    if have_socat:
        paths["socat"] = via_socat
    results: dict[str, dict[str, list[float]]] = {p: {"lat": [], "tput": []} for p in paths}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        stack.enter_context(process([sys.executable, "-c", ECHO_SERVER, kind, str(upstream)]))
        wait(upstream)
        scenario = Path(tmp) / "proxy.yaml"
        scenario.write_text(
            PROXY_SCENARIO.format(scheme=kind, port=via_sockscen, upstream=upstream)
        )
        env = {**os.environ, "PYTHONPATH": str(REPO / "runner")}
        proxy_cmd = [sys.executable, "-m", "sockscen", "run", "-q", str(scenario)]
        stack.enter_context(_env_process(proxy_cmd, env))
        wait(via_sockscen)
        if kind == "tcp":
            stack.enter_context(
                process([sys.executable, "-c", TRIO_RELAY, str(via_trio), str(upstream)])
            )
            wait(via_trio)
        if have_socat:
            u = kind.upper()
            stack.enter_context(
                process(
                    ["socat", f"{u}-LISTEN:{via_socat},fork,reuseaddr", f"{u}:127.0.0.1:{upstream}"]
                )
            )
            wait(via_socat)
        for _ in range(runs):
            for path, port in paths.items():  # interleaved: every path once per run
                results[path]["lat"].append(latency(port, round_trips))
                results[path]["tput"].append(throughput(port))
    return results


@contextlib.contextmanager
def _env_process(argv: list[str], env: dict[str, str]) -> Iterator[None]:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--round-trips", type=int, default=3000)
    args = parser.parse_args()
    have_socat = shutil.which("socat") is not None
    if not have_socat:
        print("socat not found: its rows are skipped (apt-get install socat)")
    for kind in ("tcp", "udp"):
        results = measure(kind, args.runs, args.round_trips, have_socat)
        unit = "MiB/s"
        print(f"\n{kind.upper()} ({args.runs} interleaved runs, median [min-max])")
        print(f"  {'path':<9} {'round trip (µs)':<24} {'throughput (' + unit + ')':<24}")
        for path, r in results.items():
            print(f"  {path:<9} {shown(r['lat']):<24} {shown(r['tput'], 0):<24}")
        direct = statistics.median(results["direct"]["lat"])
        added = {
            p: statistics.median(r["lat"]) - direct for p, r in results.items() if p != "direct"
        }
        print("  added per round trip: " + ", ".join(f"{p} {v:.1f} µs" for p, v in added.items()))
        if "socat" in added and added["socat"] > 0:
            ratio = added["sockscen"] / added["socat"]
            print(f"  sockscen / socat added latency: {ratio:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    main()
