"""Benchmark: 20,000 send/expect round trips of 16 bytes, sockscen vs the same exchange in raw trio.

Both sides live in one process in both cases (sockscen's scripted echo
server and client share one trio run), on TCP loopback.  Prints both times
and the ratio; the target is sockscen within 1.5x of raw trio (1.3x the aim).

    python bench/echo_roundtrip.py [--round-trips N] [--repeat K]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trio

MESSAGE = b"0123456789abcde\n"  # 16 bytes

SCENARIO = """\
name: echo round trips
timeout: 10m
servers:
  echo:
    listen: tcp://127.0.0.1:0
    handle:
      - repeat:
          count: {n}
          steps:
            - expect: "0123456789abcde\\n"
            - send: "0123456789abcde\\n"
clients:
  client:
    connect: ${{echo.url}}
    steps:
      - repeat:
          count: {n}
          steps:
            - send: "0123456789abcde\\n"
            - expect: "0123456789abcde\\n"
"""


async def _receive_exactly(stream: trio.SocketStream, buffer: bytearray, size: int) -> bytes:
    while len(buffer) < size:
        data = await stream.receive_some(65536)
        if not data:
            raise EOFError("peer closed")
        buffer += data
    out = bytes(buffer[:size])
    del buffer[:size]
    return out


def raw_trio(round_trips: int) -> float:
    """The same exchange written directly with trio streams; returns seconds for the round trips."""
    elapsed = 0.0

    async def main() -> None:
        nonlocal elapsed
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]

        async def handler(stream: trio.SocketStream) -> None:
            buffer = bytearray()
            for _ in range(round_trips):
                if await _receive_exactly(stream, buffer, len(MESSAGE)) != MESSAGE:
                    raise AssertionError("echo server got different bytes")
                await stream.send_all(MESSAGE)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(trio.serve_listeners, handler, listeners)
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            buffer = bytearray()
            started = time.perf_counter()
            for _ in range(round_trips):
                await stream.send_all(MESSAGE)
                if await _receive_exactly(stream, buffer, len(MESSAGE)) != MESSAGE:
                    raise AssertionError("client got different bytes")
            elapsed = time.perf_counter() - started
            await stream.aclose()
            nursery.cancel_scope.cancel()

    trio.run(main)
    return elapsed


def sockscen_run(round_trips: int) -> tuple[float, float]:
    """Load and run the scenario with sockscen; returns (load seconds, run seconds)."""
    from sockscen.engine import RunOptions, run
    from sockscen.loader import load_file
    from sockscen.results import Outcome

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "echo.yaml"
        path.write_text(SCENARIO.format(n=round_trips))
        started = time.perf_counter()
        scenarios = load_file(path)
        loaded = time.perf_counter()
        result = run(scenarios, RunOptions(), handle_signals=False)
        finished = time.perf_counter()
    scenario = result.scenarios[0]
    if scenario.outcome is not Outcome.PASSED:
        raise SystemExit(f"benchmark scenario did not pass: {scenario.failures or scenario.error}")
    return loaded - started, finished - loaded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--round-trips", type=int, default=20_000)
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each; the median is reported"
    )
    args = parser.parse_args(argv)
    raw_times, run_times, load_times = [], [], []
    for _ in range(args.repeat):
        raw_times.append(raw_trio(args.round_trips))
        load, run_seconds = sockscen_run(args.round_trips)
        load_times.append(load)
        run_times.append(run_seconds)
    raw = statistics.median(raw_times)
    ours = statistics.median(run_times)
    n = args.round_trips
    print(
        f"round trips:        {n} x {len(MESSAGE)} bytes over TCP loopback, median of {args.repeat}"
    )
    print(f"raw trio:           {raw:.3f}s  ({raw / n * 1e6:.1f} us per round trip)")
    print(f"sockscen (run):     {ours:.3f}s  ({ours / n * 1e6:.1f} us per round trip)")
    load_ms = statistics.median(load_times) * 1000
    print(f"sockscen (load):    {load_ms:.1f}ms  (parse, validate, build)")
    print(f"ratio:              {ours / raw:.2f}x  (target <= 1.5x, aim 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
