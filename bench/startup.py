"""Start-up cost of the ``sockscen`` command: import time, ``--version``, one tiny run.

Compares source trees (each a ``runner/`` folder) in interleaved repetitions so
that machine noise falls on all of them alike, and prints median [min-max]:

    python bench/startup.py --repeat 7 before=/tmp/old/runner after=runner

Each measure is a fresh interpreter: ``-X importtime -c "import sockscen.cli"``
(the cumulative microseconds of ``sockscen.cli`` as Python reports them), and
the wall time of ``python -m sockscen --version`` and of ``python -m sockscen
run -q scenarios/daytime_tcp.yaml``, and the CPU time (user+sys) of the same
three, which a busy machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "daytime_tcp.yaml"


BYTECODE = False


def _env(runner: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(Path(runner).resolve()), "NO_COLOR": "1"}
    if BYTECODE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def import_us(runner: str) -> float:
    """Cumulative import time of sockscen.cli in microseconds, as -X importtime reports it."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sockscen.cli"],
        env=_env(runner),
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "sockscen.cli":
            return float(parts[1])
    raise RuntimeError("sockscen.cli not in the importtime output")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_ms(runner: str, *command: str) -> float:
    """user+sys CPU time of ``python COMMAND`` in ms (steadier than wall on a busy host)."""
    before = _cpu()
    subprocess.run([sys.executable, *command], env=_env(runner), capture_output=True, check=True)
    return (_cpu() - before) * 1000


def wall_ms(runner: str, *args: str) -> float:
    """Wall time of ``python -m sockscen ARGS`` in milliseconds."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sockscen", *args],
        env=_env(runner),
        capture_output=True,
        check=True,
    )
    return (time.perf_counter() - start) * 1000


MEASURES = {
    "import sockscen.cli (ms, -X importtime)": lambda r: import_us(r) / 1000,
    "sockscen --version (ms wall)": lambda r: wall_ms(r, "--version"),
    "sockscen run -q daytime_tcp.yaml (ms wall)": lambda r: wall_ms(r, "run", "-q", str(SCENARIO)),
    "python -c 'import sockscen.cli' (ms CPU)": lambda r: cpu_ms(r, "-c", "import sockscen.cli"),
    "sockscen --version (ms CPU)": lambda r: cpu_ms(r, "-m", "sockscen", "--version"),
    "sockscen run -q daytime_tcp.yaml (ms CPU)": lambda r: cpu_ms(
        r, "-m", "sockscen", "run", "-q", str(SCENARIO)
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="let Python cache bytecode (__pycache__, as an installed package has) and warm "
        "it up first; default: compile from source every time (PYTHONDONTWRITEBYTECODE=1)",
    )
    parser.add_argument("trees", nargs="+", metavar="NAME=RUNNER_DIR")
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.trees)
    global BYTECODE
    BYTECODE = args.bytecode
    if BYTECODE:
        for runner in trees.values():
            wall_ms(runner, "run", "-q", str(SCENARIO))
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for measure, fn in MEASURES.items():
            for name, runner in trees.items():
                samples.setdefault((measure, name), []).append(fn(runner))
    print(f"| measure | {' | '.join(trees)} |")
    print(f"| --- |{' --- |' * len(trees)}")
    for measure in MEASURES:
        cells = []
        for name in trees:
            values = samples[(measure, name)]
            med = statistics.median(values)
            cells.append(f"{med:.1f} [{min(values):.1f}-{max(values):.1f}]")
        print(f"| {measure} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
