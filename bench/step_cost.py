"""Benchmark: the CPU cost of interpreting steps, without sockets.

Two actors do 20,000 send/expect round trips of 16 bytes (4 steps per round
trip) over trio memory channels in one process; prints the best process CPU
time of several runs. CPU time, unlike wall time, barely moves when other
work shares the machine, so this shows a few percent of step overhead where
``echo_roundtrip.py`` cannot.  To compare two trees, run it with each one's
``runner`` on ``PYTHONPATH``, alternating.

    python bench/step_cost.py [--round-trips N] [--repeat K]
"""

from __future__ import annotations

import argparse
import sys
import time

import trio

from sockscen.errors import Location
from sockscen.matchers import Exact
from sockscen.model import Step
from sockscen.payloads import bytes_payload
from sockscen.steps import Actor, ScenarioState
from sockscen.steps.expect import Expect
from sockscen.steps.repeat import Repeat
from sockscen.steps.send import Send

MESSAGE = b"0123456789abcde\n"
HERE = Location("bench", 1)


class ChannelConnection:
    """A stream connection over two memory channels (only what these steps use)."""

    is_stream = True

    def __init__(
        self, out: trio.MemorySendChannel[bytes], into: trio.MemoryReceiveChannel[bytes]
    ) -> None:
        self.out = out
        self.into = into

    async def send(self, data: bytes) -> None:
        await self.out.send(data)

    async def receive(self) -> bytes:
        try:
            return await self.into.receive()
        except trio.EndOfChannel:
            return b""

    def receive_nowait(self) -> bytes | None:
        return None

    def close(self) -> None:
        self.out.close()


def _steps(n: int, send_first: bool) -> tuple[Step, ...]:
    send = Send("1.1", HERE, bytes_payload(MESSAGE))
    expect = Expect("1.2", HERE, Exact(payload=bytes_payload(MESSAGE)))
    return (Repeat("1", HERE, (send, expect) if send_first else (expect, send), n),)


def one_run(n: int) -> float:
    """CPU seconds for *n* round trips."""

    async def main() -> float:
        a_out, b_in = trio.open_memory_channel[bytes](64)
        b_out, a_in = trio.open_memory_channel[bytes](64)
        state = ScenarioState(started=time.perf_counter(), default_timeout=600, max_buffer=1 << 20)
        client = Actor(
            state, label="c", name="c", role="client", connection=ChannelConnection(a_out, a_in)
        )
        server = Actor(
            state, label="s", name="s", role="server", connection=ChannelConnection(b_out, b_in)
        )
        started = time.process_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.run, _steps(n, False))
            result = await client.run(_steps(n, True))
        if result.failure is not None:
            raise SystemExit(f"benchmark failed: {result.failure.message}")
        return time.process_time() - started

    return trio.run(main)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--round-trips", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7, help="runs; the best is reported")
    args = parser.parse_args(argv)
    best = min(one_run(args.round_trips) for _ in range(args.repeat))
    per = best / args.round_trips * 1e6
    print(f"{best:.3f}s CPU  ({per:.2f} us per round trip of 4 steps, best of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
