"""Benchmark: what a sockscen proxy adds to a client<->server exchange, next to socat.

Paths to the same echo server (a separate Python process):

- direct:   client -> server
- sockscen: client -> sockscen proxy (no faults; a `sockscen run` subprocess) -> server
- raw trio: client -> a 40-line trio relay -> server (the floor for any trio relay)
- py threads: client -> a relay of blocking Python threads -> server (Python with no event loop)
- socat:    client -> `socat TCP-LISTEN:P,fork,reuseaddr TCP:upstream` -> server

For TCP and UDP: round-trip latency of a 64-byte echo, and throughput (TCP:
32 MiB one way, acknowledged at end of stream; UDP: 1 KiB datagrams, 64 in
flight).  Latency is measured *paired*: in each run the client holds one
connection per path and times its round trips one by one in blocks of 100,
path after path, so every path sees the same moments of the machine (on a
VM, vCPU wake-ups make a path's median swing 2-4x between runs taken a few
seconds apart; within a run they hit every path alike).  Each run gives
each path's median round trip and, from these, the latency each relay adds
(its median minus the direct path's) and that as a multiple of socat's.
Also the relay's own CPU per round trip (user+sys of the relay process and
its children, from /proc).  Prints median [min-max] over the runs.  socat
missing: its rows are skipped with a message (`apt-get install socat`).
Goal: sockscen adds at most 2x what socat adds.

``--runner LABEL=PATH`` (repeatable) measures the sockscen of another source
tree's ``runner/`` folder, in the same runs:
``--runner before=/work/before/runner --runner after=runner``.

    python bench/proxy_overhead.py [--runs N] [--round-trips N] [--runner LABEL=PATH ...]
                                   [--kind tcp|udp]

Takes about a minute with the defaults (9 runs of 5,000 round trips per path).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from _proxy_paths import (
    ECHO_SERVER,
    PROXY_SCENARIO,
    THREAD_RELAY,
    TRIO_RELAY,
    free_ports,
    process,
    tree_cpu,
    wait_tcp,
    wait_udp,
)

REPO = Path(__file__).resolve().parents[1]
#: Round trips timed on one path before the next path's turn.
BLOCK = 100
MESSAGE = b"x" * 64


def _recv_exactly(s: socket.socket, size: int) -> None:
    got = 0
    while got < size:
        chunk = s.recv(size - got)
        if not chunk:
            raise SystemExit("the connection closed mid-measurement")
        got += len(chunk)


@contextlib.contextmanager
def echo_client(kind: str, port: int) -> Iterator[Callable[[], None]]:
    """A connected client on *port*, as a function doing one 64-byte round trip."""
    if kind == "tcp":
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"e")  # the echo server's "echo" mode

        def round_trip() -> None:
            s.sendall(MESSAGE)
            _recv_exactly(s, len(MESSAGE))

    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.connect(("127.0.0.1", port))

        def round_trip() -> None:
            s.send(MESSAGE)
            s.recv(2048)

    with s:
        for _ in range(50):  # warm up: the relay's first round trip opens its upstream side
            round_trip()
        yield round_trip


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


def shown(values: list[float], digits: int = 1, unit: str = "") -> str:
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "-"
    return (
        f"{statistics.median(values):.{digits}f}{unit} "
        f"[{min(values):.{digits}f}-{max(values):.{digits}f}]"
    )


class Route:
    """One way to the echo server: its port, the PID of the relay on it (None: direct), figures."""

    def __init__(self, port: int, pid: int | None = None) -> None:
        self.port = port
        self.pid = pid
        self.lat: list[float] = []  # per run: the median round trip, µs
        self.added: list[float] = []  # per run: lat minus the direct path's, µs
        self.ratio: list[float] = []  # per run: added / socat's added
        self.tput: list[float] = []
        self.cpu: list[float] = []  # per run: relay CPU per round trip, µs


def paired_run(kind: str, paths: dict[str, Route], run: int, round_trips: int) -> None:
    """One run: every path's round trips, timed in blocks taken path after path."""
    order = list(paths.values())
    # Each run starts at another path, so no path always follows the same one.
    order = order[run % len(order) :] + order[: run % len(order)]
    times: dict[int, list[int]] = {id(p): [] for p in order}
    clock = time.perf_counter_ns
    with contextlib.ExitStack() as stack:
        trips = [(p, stack.enter_context(echo_client(kind, p.port))) for p in order]
        cpu_before = [tree_cpu(p.pid) for p in order]
        for _ in range(max(1, round_trips // BLOCK)):
            for path, round_trip in trips:
                samples = times[id(path)]
                for _ in range(BLOCK):
                    start = clock()
                    round_trip()
                    samples.append(clock() - start)
        for path, before in zip(order, cpu_before, strict=True):
            done = len(times[id(path)])
            path.cpu.append((tree_cpu(path.pid) - before) / done * 1e6)
    for path in order:
        path.lat.append(statistics.median(times[id(path)]) / 1e3)
    direct = paths["direct"].lat[-1]
    for path in order:
        path.added.append(path.lat[-1] - direct)
    socat = paths.get("socat")
    if socat is not None and socat.added[-1] > 0:
        for path in order:
            path.ratio.append(path.added[-1] / socat.added[-1])


def measure(
    kind: str, runs: int, round_trips: int, have_socat: bool, runners: list[tuple[str, Path]]
) -> dict[str, Route]:
    sock_kind = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    wait = wait_tcp if kind == "tcp" else wait_udp
    throughput: Callable[[int], float] = tcp_throughput if kind == "tcp" else udp_throughput
    ports = iter(free_ports(sock_kind, len(runners) + 4))
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
        port = next(ports)
        argv = [sys.executable, "-c", THREAD_RELAY, kind, str(port), str(upstream)]
        paths["py threads"] = start(port, argv)
        if have_socat:
            port, u = next(ports), kind.upper()
            argv = ["socat", f"{u}-LISTEN:{port},fork,reuseaddr", f"{u}:127.0.0.1:{upstream}"]
            paths["socat"] = start(port, argv)
        order = list(paths.values())
        for run in range(runs):
            paired_run(kind, paths, run, round_trips)
            for path in order[run % len(order) :] + order[: run % len(order)]:
                path.tput.append(throughput(path.port))
    return paths


def report(kind: str, paths: dict[str, Route], args: argparse.Namespace, labels: list[str]) -> None:
    print(
        f"\n{kind.upper()} ({args.runs} runs, each timing {args.round_trips} round trips per path "
        f"in blocks of {BLOCK}, paths interleaved; median [min-max] over the runs)"
    )
    width = max(9, *(len(p) for p in paths))
    print(
        f"  {'path':<{width}} {'round trip (µs)':<22} {'added (µs)':<22} {'relay CPU/rt (µs)':<22} "
        "throughput (MiB/s)"
    )
    for name, path in paths.items():
        relay = path.pid is not None
        added = shown(path.added) if relay else ""
        cpu = shown(path.cpu) if relay else ""
        if relay and not max(path.cpu):
            cpu = "0 (not relaying?)"
        print(
            f"  {name:<{width}} {shown(path.lat):<22} {added:<22} {cpu:<22} {shown(path.tput, 0)}"
        )
    if "socat" in paths:
        relays = [*labels, "raw trio", "py threads"]
        ratios = ", ".join(f"{n} {shown(paths[n].ratio, 2, 'x')}" for n in relays)
        print(f"  added / socat's added, run by run: {ratios} (goal <= 2x)")
        socat_cpu = statistics.median(paths["socat"].cpu)
        if socat_cpu > 0:  # /proc counts in clock ticks: a short run may show none
            cpu = ", ".join(
                f"{n} {statistics.median(paths[n].cpu) / socat_cpu:.2f}x" for n in relays
            )
            print(f"  relay CPU per round trip / socat's (medians): {cpu}")


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
        report(kind, paths, args, [label for label, _ in runners])


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    main()
