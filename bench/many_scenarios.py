"""Benchmark: `sockscen run` over a directory of 1,000 small generated scenarios.

Each scenario has a scripted TCP server and one client doing 3 exchanges.
The runner's overhead per scenario is the wall time of the whole command
minus the time the same network work takes in raw trio (listen, connect,
3 round trips, close; run with the same concurrency), divided by the number
of scenarios.  Target: under 2 ms per scenario.

    python bench/many_scenarios.py [--scenarios N] [--jobs J]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

TEMPLATE = """\
name: exchange {i}
servers:
  s:
    listen: tcp://127.0.0.1:0
    handle:
      - expect: "ping 1\\n"
      - send: "pong 1\\n"
      - expect: "ping 2\\n"
      - send: "pong 2\\n"
      - expect: "ping 3\\n"
      - send: "pong 3\\n"
clients:
  c:
    connect: ${{s.url}}
    steps:
      - send: "ping 1\\n"
      - expect: "pong 1\\n"
      - send: "ping 2\\n"
      - expect: "pong 2\\n"
      - send: "ping 3\\n"
      - expect: "pong 3\\n"
"""

REPO = Path(__file__).resolve().parents[1]


async def _receive_exactly(stream: trio.SocketStream, buffer: bytearray, size: int) -> bytes:
    while len(buffer) < size:
        data = await stream.receive_some(65536)
        if not data:
            raise EOFError
        buffer += data
    out = bytes(buffer[:size])
    del buffer[:size]
    return out


def raw_network_work(scenarios: int, jobs: int) -> float:
    """Seconds raw trio needs for the same listens, connects and exchanges."""

    async def one() -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]

        async def handler(stream: trio.SocketStream) -> None:
            buffer = bytearray()
            for i in range(1, 4):
                await _receive_exactly(stream, buffer, 7)
                await stream.send_all(f"pong {i}\n".encode())

        async with trio.open_nursery() as nursery:
            nursery.start_soon(trio.serve_listeners, handler, listeners)
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            buffer = bytearray()
            for i in range(1, 4):
                await stream.send_all(f"ping {i}\n".encode())
                await _receive_exactly(stream, buffer, 7)
            await stream.aclose()
            nursery.cancel_scope.cancel()

    async def main() -> None:
        limiter = trio.CapacityLimiter(jobs)

        async def limited() -> None:
            async with limiter:
                await one()

        async with trio.open_nursery() as nursery:
            for _ in range(scenarios):
                nursery.start_soon(limited)

    started = time.perf_counter()
    trio.run(main)
    return time.perf_counter() - started


def _timed(
    command: list[str], env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - started, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=0, help="-j for sockscen (0: its default)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each (medians reported); back-to-back runs slow each other down: "
        "every run leaves thousands of loopback sockets in TIME_WAIT for 60s",
    )
    args = parser.parse_args(argv)
    from sockscen.engine import default_jobs

    jobs = args.jobs or default_jobs()
    env = dict(
        os.environ, PYTHONPATH=str(REPO / "runner") + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    command = [sys.executable, "-m", "sockscen"]
    startups, validates, totals, raws = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.scenarios):
            Path(tmp, f"s{i:04d}.yaml").write_text(TEMPLATE.format(i=i))
        for _ in range(args.repeat):
            startups.append(_timed([*command, "--version"], env)[0])
            validates.append(_timed([*command, "validate", tmp], env)[0])
            total, done = _timed([*command, "run", "-q", "-j", str(jobs), tmp], env)
            if done.returncode != 0:
                print(done.stdout[-2000:], done.stderr[-2000:])
                raise SystemExit(f"sockscen run exited {done.returncode}")
            totals.append(total)
            raws.append(raw_network_work(args.scenarios, jobs))
    startup, validate = statistics.median(startups), statistics.median(validates)
    total, raw = statistics.median(totals), statistics.median(raws)
    n = args.scenarios
    print(f"scenarios:                 {n} (scripted TCP server + client, 3 exchanges), -j {jobs}")
    print(f"medians of {args.repeat} runs each")
    print(f"sockscen run (wall):       {total:.2f}s   ({total / n * 1000:.2f} ms per scenario)")
    print(f"  of which process start:  {startup:.2f}s  (sockscen --version)")
    per_file = validate / n * 1000
    print(f"  validate alone:          {validate:.2f}s  ({per_file:.2f} ms per file, incl. start)")
    print(f"raw trio network work:     {raw:.2f}s   ({raw / n * 1000:.2f} ms per scenario)")
    overhead = (total - raw) / n * 1000
    print(f"runner overhead:           {overhead:.2f} ms per scenario (target < 2 ms)")
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"last line of the report:   {last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
