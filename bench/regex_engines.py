"""Benchmark: regex engines for scenario regexes, per-match cost and catastrophic patterns.

Compares Python's ``re`` with the ``regex`` module (without and with its
``timeout=``), sockscen's bounded wrapper (``sockscen.regexes``, which runs
``regex``) and, when importable, google-re2 (``re2``; not a sockscen
dependency, install it by hand to include it).  The engines take turns in each
round (interleaved), so a machine-wide slowdown hits all of them alike; each
figure is the median [min-max] of the rounds.

Then the catastrophic case of issue 12 -- ``(a+)+$`` and ``(a|aa)+$`` against
``a``s ending in ``b`` -- and how long the main thread is frozen when ``re``
runs it in a worker thread.

    python bench/regex_engines.py [--rounds K] [--calls N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import regex

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from sockscen.regexes import compile_regex

try:
    import re2  # type: ignore[import-not-found]
except ImportError:
    re2 = None

OUTPUT = b"".join(b"line %d of the server's start-up log\n" % i for i in range(100))
OUTPUT += b"listening on port 40123\n"  # ~4 KiB before the line a search looks for

# (name, pattern, method, data): what a step does with a regex.
CASES: list[tuple[str, bytes, str, bytes | bytearray]] = [
    ("stream match (expect)", rb"PONG (?P<n>\d+)\r\n", "match", bytearray(b"PONG 42\r\n")),
    ("frame fullmatch", rb"ping \d+\n", "fullmatch", b"ping 1234567890\n"),
    ("search 4 KiB output", rb"listening on port (?P<port>\d+)", "search", OUTPUT),
]


def engines(pattern: bytes, method: str) -> dict[str, Callable[[Any], object]]:
    """One matching callable per engine, compiled once (as the runner does)."""
    found: dict[str, Callable[[Any], object]] = {
        "re": getattr(re.compile(pattern), method),
        "regex": getattr(regex.compile(pattern, regex.VERSION0), method),
    }
    bounded = getattr(regex.compile(pattern, regex.VERSION0), method)
    found["regex timeout=1"] = lambda data: bounded(data, timeout=1.0)
    found["sockscen.regexes"] = getattr(compile_regex(pattern), method)
    if re2 is not None:
        found["re2"] = getattr(re2.compile(pattern), method)
    return found


def per_call_ns(fn: Callable[[Any], object], data: Any, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn(data)
    return (time.perf_counter() - start) / calls * 1e9


def bench_cases(rounds: int, calls: int) -> None:
    for title, pattern, method, data in CASES:
        funcs = engines(pattern, method)
        for fn in funcs.values():  # every engine agrees, and is warm
            assert fn(data) is not None
        samples: dict[str, list[float]] = {name: [] for name in funcs}
        for _ in range(rounds):
            for name, fn in funcs.items():
                samples[name].append(per_call_ns(fn, data, calls))
        base = statistics.median(samples["re"])
        print(f"\n{title}: {method}({pattern.decode()!r}) on {len(data)} bytes")
        for name, values in samples.items():
            med = statistics.median(values)
            print(
                f"  {name:18} {med:8.0f} ns [{min(values):.0f}-{max(values):.0f}]"
                f"  {med / base:4.2f}x re"
            )


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    try:
        result: object = fn()
    except TimeoutError:
        result = "TimeoutError"
    return time.perf_counter() - start, result


def bench_catastrophic() -> None:
    print("\ncatastrophic patterns, n 'a's then 'b' (search)")
    for n in (18, 20, 22):
        data = b"a" * n + b"b"
        took, _ = timed(lambda data=data: re.compile(rb"(a+)+$").search(data))
        print(f"  re (a+)+$ n={n}: {took * 1000:.0f} ms (doubles per extra 'a': n=49 is days)")
    data = b"a" * 49 + b"b"
    for pattern in (rb"(a+)+$", rb"(a|aa)+$"):
        took, result = timed(lambda p=pattern: regex.compile(p).search(data, timeout=1.0))
        print(f"  regex {pattern.decode()} n=49 timeout=1: {took * 1000:.0f} ms -> {result}")
        if re2 is not None:
            took, result = timed(lambda p=pattern: re2.compile(p).search(data))
            print(f"  re2 {pattern.decode()} n=49: {took * 1e6:.0f} us -> {result}")
    # `re` holds the GIL for the whole match: a worker thread freezes the main thread.
    gaps: list[float] = []
    worker = threading.Thread(target=lambda: re.compile(rb"(a+)+$").search(b"a" * 22 + b"b"))
    last = time.perf_counter()
    worker.start()
    while worker.is_alive():
        time.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    print(f"  re in a thread, n=22: main thread's longest stall {max(gaps) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, regex {regex.__version__}, re2 {re2 is not None}")
    bench_cases(args.rounds, args.calls)
    bench_catastrophic()


if __name__ == "__main__":
    main()
