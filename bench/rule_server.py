"""Benchmark: a rule server answering ``ping\\n`` with ``pong\\n``, against mountebank and raw trio.

Three servers, each in its own process, get the same load from the same
external load client (worker processes doing lock-step request/reply):

* sockscen: ``sockscen serve`` of a mock with one rule (framing ``line``);
* mountebank 2.9.1: a TCP imposter with the same stub (``equals`` predicate,
  ``is`` response); installed with ``npm install mountebank@2.9.1`` into
  ``--mb-dir`` when absent; skipped, saying why, when node is missing;
* trio: a minimal trio line server (the floor of what trio can do).

Two loads: ``persistent`` (``--connections`` connections, each sending the
next request when the reply arrived) and ``per-request`` (one new
connection per request, closed with a reset so the client's ports are not
used up in TIME_WAIT).  Runs are interleaved (server A, B, C, A, B, C...)
so a machine-wide slowdown hits all alike; each figure is the median
[min-max] requests per second over ``--rounds`` rounds.  Then the rule
server runs alone under persistent load for ``--memory-window`` seconds
while its resident memory is sampled: it must stay flat.

    python bench/rule_server.py [--window 5] [--rounds 3] [--memory-window 60]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REQUEST, REPLY = b"ping\n", b"pong\n"
REPO = Path(__file__).resolve().parents[1]

MOCK = """\
name: ping pong
mock: true
servers:
  pong:
    listen: tcp://127.0.0.1:{port}
    framing: line
    rules:
      - when: ping
        reply: pong
"""

TRIO_SERVER = """\
import sys, trio

async def handle(stream):
    buffer = bytearray()
    try:
        while True:
            data = await stream.receive_some(65536)
            if not data:
                return
            buffer += data
            while (end := buffer.find(b"\\n")) >= 0:
                del buffer[: end + 1]
                await stream.send_all(b"pong\\n")
    except trio.BrokenResourceError:
        return

trio.run(trio.serve_tcp, handle, int(sys.argv[1]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_port(port: int, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # the server is starting: poll, bounded by the deadline
    raise RuntimeError(f"nothing listens on port {port} after {limit}s")


# --------------------------------------------------------------------------- load


def _read_reply(sock: socket.socket) -> None:
    got = b""
    while len(got) < len(REPLY):
        data = sock.recv(64)
        if not data:
            raise ConnectionError("the server closed the connection")
        got += data


def _persistent(port: int, start: float, stop: float, out: multiprocessing.Queue[int]) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    time.sleep(max(0.0, start - time.time()))
    count = 0
    while time.time() < stop:
        sock.sendall(REQUEST)
        _read_reply(sock)
        count += 1
    sock.close()
    out.put(count)


def _per_request(port: int, start: float, stop: float, out: multiprocessing.Queue[int]) -> None:
    time.sleep(max(0.0, start - time.time()))
    count = 0
    linger = struct.pack("ii", 1, 0)
    while time.time() < stop:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(REQUEST)
        _read_reply(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        sock.close()
        count += 1
    out.put(count)


def load(port: int, mode: str, workers: int, window: float) -> float:
    """Requests per second the server on *port* answered during *window* seconds."""
    target = _persistent if mode == "persistent" else _per_request
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    start = time.time() + 0.5
    procs = [
        multiprocessing.Process(target=target, args=(port, start, start + window, queue))
        for _ in range(workers)
    ]
    for p in procs:
        p.start()
    total = sum(queue.get(timeout=window + 60) for _ in procs)
    for p in procs:
        p.join(10)
    return total / window


# --------------------------------------------------------------------------- servers


class Server:
    """A server process on ``port``; ``stop`` ends it."""

    def __init__(self, name: str, argv: list[str], port: int, cwd: Path | None = None) -> None:
        self.name, self.port = name, port
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_port(port)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def sockscen_server(work: Path) -> Server:
    port = free_port()
    mock = work / "pong.yaml"
    mock.write_text(MOCK.format(port=port))
    argv = [sys.executable, "-m", "sockscen", "serve", str(mock), "-q"]
    return Server("sockscen rule server", argv, port)


def trio_server(work: Path) -> Server:
    port = free_port()
    return Server("minimal trio", [sys.executable, "-c", TRIO_SERVER, str(port)], port)


def mountebank_binary(folder: Path) -> Path | None:
    """``mb`` of mountebank 2.9.1 in *folder*, installed there when absent; None without node."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("mountebank skipped: node and npm are needed (apt-get install nodejs npm)")
        return None
    mb = folder / "node_modules" / ".bin" / "mb"
    if not mb.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(folder),
                "--no-audit",
                "--no-fund",
                "mountebank@2.9.1",
            ],
            check=True,
        )
    return mb


def mountebank_server(mb: Path, work: Path) -> Server:
    admin, port = free_port(), free_port()
    argv = [str(mb), "--port", str(admin), "--loglevel", "warn"]
    server = Server("mountebank 2.9.1", argv, admin, cwd=work)  # its mb.log goes there
    imposter = {
        "protocol": "tcp",
        "port": port,
        "mode": "text",
        "stubs": [
            {
                "predicates": [{"equals": {"data": "ping\n"}}],
                "responses": [{"is": {"data": "pong\n"}}],
            }
        ],
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{admin}/imposters",
        data=json.dumps(imposter).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    wait_port(port)
    server.port = port
    return server


# --------------------------------------------------------------------------- main


def _figure(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} [{min(values):,.0f}-{max(values):,.0f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=5.0, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--per-request-workers", type=int, default=4)
    parser.add_argument("--memory-window", type=float, default=60.0)
    parser.add_argument("--mb-dir", type=Path, default=Path(tempfile.gettempdir()) / "sockscen-mb")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rule-bench-"))
    mb = mountebank_binary(args.mb_dir)
    starters: list[tuple[str, Callable[[], Server]]] = [
        ("sockscen rule server", lambda: sockscen_server(work)),
        ("minimal trio", lambda: trio_server(work)),
    ]
    if mb is not None:
        starters.insert(1, ("mountebank 2.9.1", lambda: mountebank_server(mb, work)))
    loads = [("persistent", args.connections), ("per-request", args.per_request_workers)]
    figures: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.rounds):
        for name, start in starters:
            server = start()
            try:
                for mode, workers in loads:
                    rate = load(server.port, mode, workers, args.window)
                    figures.setdefault((name, mode), []).append(rate)
                    print(f"round {round_ + 1}: {name}, {mode}: {rate:,.0f} req/s", flush=True)
            finally:
                server.stop()

    print(f"\n| server | {loads[0][1]} persistent connections | one connection per request |")
    print("| --- | --- | --- |")
    for name, _ in starters:
        persistent, per_request = (_figure(figures[(name, m)]) for m, _ in loads)
        print(f"| {name} | {persistent} | {per_request} |")
    if mb is not None:
        base = {m: statistics.median(figures[("mountebank 2.9.1", m)]) for m, _ in loads}
        for name, _ in starters:
            ratios = [statistics.median(figures[(name, m)]) / base[m] for m, _ in loads]
            print(f"{name}: {ratios[0]:.2f}x / {ratios[1]:.2f}x mountebank")

    if args.memory_window > 0:
        server = sockscen_server(work)
        try:
            samples = []
            queue_rate: list[float] = []
            proc = multiprocessing.Process(
                target=lambda: queue_rate.append(
                    load(server.port, "persistent", args.connections, args.memory_window)
                )
            )
            proc.start()
            for _ in range(int(args.memory_window // 5) + 1):
                samples.append(server.rss_kib())
                time.sleep(5)  # sampling period of the memory curve
            proc.join(args.memory_window + 60)
            print(
                f"\nrule server RSS every 5s over {args.memory_window:g}s of persistent load (MiB):"
            )
            print(" ".join(f"{s / 1024:.1f}" for s in samples))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
