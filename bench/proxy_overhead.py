"""Benchmark: what a sockscen proxy adds to a client<->server exchange, next to socat.

Paths to the same echo server (a separate Python process), measured in
interleaved runs (each run starting at another path) so machine noise
spreads evenly:

- direct:   client -> server
- sockscen: client -> sockscen proxy (no faults; a `sockscen run` subprocess) -> server
- raw trio: client -> a 40-line trio relay -> server (the floor for any trio relay)
- socat:    client -> `socat TCP-LISTEN:P,fork,reuseaddr TCP:upstream` -> server

For TCP and UDP: round-trip latency (64-byte echo; each run's figure is the
median of its round trips, timed one by one, so a few descheduled ones on a
busy machine do not move it) and throughput (TCP: 32 MiB one way,
acknowledged at end of stream; UDP: 1 KiB datagrams, 64 in flight).  Also
the relay's own CPU per round trip (user+sys of the relay process and its
children, from /proc: steadier than wall time when the machine is loaded).
Prints median [min-max] over the runs, and the latency each relay adds per
round trip.  socat missing: its rows are skipped with a message
(`apt-get install socat`).  Goal: sockscen adds at most 2x what socat adds.

``--runner LABEL=PATH`` (repeatable) measures the sockscen of another source
tree's ``runner/`` folder, in the same interleaved runs:
``--runner before=/work/before/runner --runner after=runner``.

    python bench/proxy_overhead.py [--runs N] [--round-trips N] [--runner LABEL=PATH ...]
                                   [--kind tcp|udp]

Takes about a minute with the defaults (9 runs of 5,000 round trips).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
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

#: A minimal raw trio relay: what any trio relay costs, next to sockscen's own.
TRIO_RELAY = r"""
import socket, sys, trio
kind, listen, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def pump(a, b):
    while data := await a.receive_some(65536):
        await b.send_all(data)
    await b.send_eof()
async def handle(client):
    upstream = await trio.open_tcp_stream("127.0.0.1", up)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(pump, client, upstream)
        nursery.start_soon(pump, upstream, client)
async def replies(out, down, peer):
    while True:
        try:
            data = out.recv(65536)
        except BlockingIOError:
            await trio.lowlevel.wait_readable(out)
            continue
        down.sendto(data, peer)
async def udp():
    down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    down.bind(("127.0.0.1", listen))
    down.setblocking(False)
    ups = {}
    async with trio.open_nursery() as nursery:
        while True:
            try:
                data, peer = down.recvfrom(65536)
            except BlockingIOError:
                await trio.lowlevel.wait_readable(down)
                continue
            out = ups.get(peer)
            if out is None:
                out = ups[peer] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                out.setblocking(False)
                out.connect(("127.0.0.1", up))
                nursery.start_soon(replies, out, down, peer)
            out.send(data)
trio.run(udp) if kind == "udp" else trio.run(trio.serve_tcp, handle, listen)
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


def free_ports(kind: int, n: int) -> list[int]:
    """*n* distinct free ports: all held at once while picked, so no two paths share one."""
    with contextlib.ExitStack() as stack:
        held = [stack.enter_context(socket.socket(socket.AF_INET, kind)) for _ in range(n)]
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in held]


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
def process(
    argv: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run *argv* for the block; its stderr goes to a file, for when it ends early."""
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
            errors.seek(0)
            print(f"{argv[0]} ended with {proc.returncode}: {errors.read().decode()[-2000:]}")


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int | None) -> float:
    """CPU seconds (user+sys) of *pid*, its live descendants and its reaped children.

    socat forks a child per connection (per sender for UDP): the work is there.
    """
    if pid is None:
        return 0.0
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        # After the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15).
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / _TICK
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += [c for c, parent in parents.items() if parent == p]
    return total


def tcp_latency(port: int, n: int) -> float:
    """Median round trip, in microseconds."""
    times = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"e")
        msg = b"x" * 64
        for _ in range(50):  # warm up
            s.sendall(msg)
            _recv_exactly(s, 64)
        clock = time.perf_counter_ns
        for _ in range(n):
            start = clock()
            s.sendall(msg)
            _recv_exactly(s, 64)
            times.append(clock() - start)
    return statistics.median(times) / 1e3


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
    """Median round trip, in microseconds."""
    times = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        msg = b"x" * 64
        for _ in range(50):
            s.send(msg)
            s.recv(2048)
        clock = time.perf_counter_ns
        for _ in range(n):
            start = clock()
            s.send(msg)
            s.recv(2048)
            times.append(clock() - start)
    return statistics.median(times) / 1e3


def udp_throughput(port: int, batches: int = 150, window: int = 64) -> float:
    """MiB/s of 1 KiB datagrams echoed, *window* in flight (NaN when one is lost)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        msg = b"z" * 1024
        start = time.perf_counter()
        try:
            for _ in range(batches):
                for _ in range(window):
                    s.send(msg)
                for _ in range(window):
                    s.recv(2048)
        except TimeoutError:
            return math.nan  # a datagram was lost on the way: no figure for this run
        elapsed = time.perf_counter() - start
    return batches * window * 1024 / elapsed / (1 << 20)


def shown(values: list[float], digits: int = 1) -> str:
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "-"
    return (
        f"{statistics.median(values):.{digits}f} "
        f"[{min(values):.{digits}f}-{max(values):.{digits}f}]"
    )


class Route:
    """One way to the echo server: its port and the PID of the relay on it (None: direct)."""

    def __init__(self, port: int, pid: int | None = None) -> None:
        self.port = port
        self.pid = pid
        self.lat: list[float] = []
        self.tput: list[float] = []
        self.cpu: list[float] = []


def measure(
    kind: str, runs: int, round_trips: int, have_socat: bool, runners: list[tuple[str, Path]]
) -> dict[str, Route]:
    sock_kind = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    wait = wait_tcp if kind == "tcp" else wait_udp
    latency: Callable[[int, int], float] = tcp_latency if kind == "tcp" else udp_latency
    throughput: Callable[[int], float] = tcp_throughput if kind == "tcp" else udp_throughput
    ports = iter(free_ports(sock_kind, len(runners) + 3))
    upstream = next(ports)
    paths = {"direct": Route(upstream)}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:

        def start(port: int, argv: list[str], env: dict[str, str] | None = None) -> Route:
            proc = stack.enter_context(process(argv, env))
            wait(port)
            if proc.poll() is not None:  # it ended, and something else answers on its port
                raise SystemExit(f"{argv[0]} ended with {proc.returncode}")
            return Route(port, proc.pid)

        start(upstream, [sys.executable, "-c", ECHO_SERVER, kind, str(upstream)])
        for label, runner in runners:
            port = next(ports)
            scenario = Path(tmp) / f"proxy-{len(paths)}.yaml"
            scenario.write_text(PROXY_SCENARIO.format(scheme=kind, port=port, upstream=upstream))
            env = {**os.environ, "PYTHONPATH": str(runner)}
            argv = [sys.executable, "-m", "sockscen", "run", "-q", str(scenario)]
            paths[label] = start(port, argv, env)
        port = next(ports)
        argv = [sys.executable, "-c", TRIO_RELAY, kind, str(port), str(upstream)]
        paths["raw trio"] = start(port, argv)
        if have_socat:
            port, u = next(ports), kind.upper()
            argv = ["socat", f"{u}-LISTEN:{port},fork,reuseaddr", f"{u}:127.0.0.1:{upstream}"]
            paths["socat"] = start(port, argv)
        order = list(paths.values())
        for run in range(runs):
            # Interleaved, and each run starts at another path, so no path always
            # follows the same one (or always runs first, on a cold cache).
            for path in order[run % len(order) :] + order[: run % len(order)]:
                before = tree_cpu(path.pid)
                path.lat.append(latency(path.port, round_trips))
                path.cpu.append((tree_cpu(path.pid) - before) / (round_trips + 50) * 1e6)
                path.tput.append(throughput(path.port))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--round-trips", type=int, default=5000)
    parser.add_argument(
        "--runner",
        action="append",
        default=[],
        metavar="[LABEL=]PATH",
        help="a runner/ tree whose sockscen to measure (default: this checkout's); repeatable",
    )
    parser.add_argument("--kind", choices=("tcp", "udp"), action="append", help="default: both")
    args = parser.parse_args()
    trees = [r.partition("=") if "=" in r else ("sockscen", "", r) for r in args.runner]
    runners = [(label, Path(path).resolve()) for label, _, path in trees] or [
        ("sockscen", REPO / "runner")
    ]
    have_socat = shutil.which("socat") is not None
    if not have_socat:
        print("socat not found: its rows are skipped (apt-get install socat)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind in args.kind or ("tcp", "udp"):
        paths = measure(kind, args.runs, args.round_trips, have_socat, runners)
        print(
            f"\n{kind.upper()} ({args.runs} interleaved runs of {args.round_trips} round trips, "
            "median [min-max])"
        )
        width = max(9, *(len(p) for p in paths))
        print(
            f"  {'path':<{width}} {'round trip (µs)':<22} {'relay CPU/rt (µs)':<22} "
            "throughput (MiB/s)"
        )
        for name, path in paths.items():
            cpu = shown(path.cpu) if path.pid is not None else ""
            if path.pid is not None and not max(path.cpu):
                cpu = "0 (not relaying?)"
            print(f"  {name:<{width}} {shown(path.lat):<22} {cpu:<22} {shown(path.tput, 0)}")
        # Medians say what a run usually costs; the best runs, what it costs with the machine
        # to itself (on a loaded machine the two differ most for the busiest relay).
        for what, pick in (("median runs", statistics.median), ("best runs", min)):
            direct = pick(paths["direct"].lat)
            added = {name: pick(p.lat) - direct for name, p in paths.items() if name != "direct"}
            listed = ", ".join(f"{p} {v:.1f} µs" for p, v in added.items())
            print(f"  added per round trip ({what}): {listed}")
            if added.get("socat", 0) > 0:
                ratios = ", ".join(f"{n} {added[n] / added['socat']:.2f}x" for n, _ in runners)
                print(f"    / socat's: {ratios} (goal <= 2x)")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    main()
