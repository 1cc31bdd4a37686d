"""Every row of issue 13's table in one invocation, side by side, interleaved.

    python bench/run_all.py [--quick] [--repeat 3] [--runner [LABEL=]PATH ...] [--no-record]
                            [--only GROUP[,GROUP]]

Generates the suites it needs under a temporary folder (sockscen scenario
files and the pytest tests a team writes by hand for the same checks), then
runs every measure once per repetition, all measures in turn, so that a busy
machine slows both sides of a ratio alike.  Prints each ratio as
median [min-max] over the repetitions and appends the table, with the date,
machine and tree, to bench/RESULTS.md.  ``--runner`` measures another source
tree's ``runner/`` folder; given twice (``before=/tmp/old/runner after=runner``)
both trees take turns in every repetition, for a before/after table.
Bytecode caching is on, as for users (whatever PYTHONDONTWRITEBYTECODE
says), and every command runs once before the measures to fill the caches.
Benchmarks print; they assert nothing.  CPU figures are user+sys of the
command and every process it waited for, unless the row says "own".
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _suites import process_checks, small_checks  # noqa: E402

PY = sys.executable
SIZES = {
    # small checks, round trips, (clients, rounds), big clients, process scenarios
    "full": {"small": 1000, "trips": 20_000, "clients": (5000, 10), "big": 10_000, "proc": 200},
    "quick": {"small": 300, "trips": 20_000, "clients": (1000, 10), "big": 2000, "proc": 40},
}


class Bench:
    """Runs commands with the chosen tree on PYTHONPATH and keeps every sample by name."""

    def __init__(self, runner: Path, root: Path, sizes: dict[str, object]) -> None:
        self.env = {**os.environ, "PYTHONPATH": str(runner), "NO_COLOR": "1"}
        # Users' Pythons cache bytecode; without it every start compiles every module.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.root = root
        self.sizes = sizes
        self.samples: dict[str, list[float]] = defaultdict(list)
        #: Commands that failed: the tree or the suite is broken, its figures mean nothing.
        self.broken: list[str] = []
        #: Scenarios that failed in a workload (e.g. under load): said under the table.
        self.notes: list[str] = []

    def command(
        self, name: str, args: list[str], cwd: Path | None = None, tolerate: bool = False
    ) -> tuple[float, float]:
        """Run ``python ARGS``; record and return (wall seconds, CPU seconds incl. children).

        *tolerate*: a failing command is a note under the table, not a broken tree (the
        hand-written baseline picks a free port and then binds it: on a busy machine
        another process may take it in between).
        """
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [PY, *args], env=self.env, cwd=cwd or self.root, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
            problem = f"{name} exited {done.returncode}: {' / '.join(tail)}"
            # The whole story goes to the operator's console: the note keeps three lines.
            shown = (done.stdout + done.stderr).strip().splitlines()[-60:]
            print(f"--- {name} exited {done.returncode}:", *shown, sep="\n", file=sys.stderr)
            (self.notes if tolerate else self.broken).append(problem)
        self.samples[f"{name} wall"].append(wall)
        self.samples[f"{name} cpu"].append(cpu)
        return wall, cpu

    def workload(self, name: str, *args: str) -> dict[str, float]:
        """One in-process workload in a fresh interpreter (see _workloads.py)."""
        done = subprocess.run(
            [PY, str(HERE / "_workloads.py"), *args], env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            self.broken.append(f"{name} crashed: {done.stderr.strip().splitlines()[-1:]}")
            return {}
        figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        if not figures["ok"]:
            self.notes.append(f"{name}: the scenario failed")
        for key in ("seconds", "cpu", "rss_mib"):
            self.samples[f"{name} {key}"].append(figures[key])
        return figures

    def own_cpu(self, name: str, module: str, *args: str, tolerate: bool = False) -> None:
        """CPU of the runner process alone (its children excluded), plus wall and total CPU."""
        out = self.root / "selfcpu.txt"
        self.command(name, [str(HERE / "_selfcpu.py"), str(out), module, *args], tolerate=tolerate)
        self.samples[f"{name} own"].append(float(out.read_text()))


def _pytest(*args: str) -> list[str]:
    return ["-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def warm_up(bench: Bench, small: Path, small_py: Path, proc_py: Path) -> None:
    """Compile every module the measures import (bytecode caches), measuring nothing."""
    tiny = HERE.parent / "scenarios" / "daytime_tcp.yaml"
    for name, args in (
        ("warm run", ["-m", "sockscen", "run", "-q", str(tiny)]),
        ("warm plugin", _pytest("--co", str(small))),
        ("warm pytest", _pytest("--co", "-p", "no:sockscen.pytest_plugin", str(small_py))),
        ("warm pytest proc", _pytest("--co", "-p", "no:sockscen.pytest_plugin", str(proc_py))),
    ):
        bench.command(name, args)
    bench.workload("warm workload", "tcp", "sockscen", "10")


#: The groups of measures ``--only`` can pick, each feeding one or more rows of the table.
GROUPS = ("small", "startup", "trips", "clients", "proc", "big")


def repetition(
    bench: Bench, small: Path, small_py: Path, proc: Path, proc_py: Path, only: set[str]
) -> None:
    """Every measure of the groups in *only* once."""
    sizes = bench.sizes
    no_plugin = ("-p", "no:sockscen.pytest_plugin")
    if "small" in only:
        bench.command("run small", ["-m", "sockscen", "run", "-q", str(small)])
        bench.command("pytest small", _pytest(*no_plugin, str(small_py)))
        bench.command("validate small", ["-m", "sockscen", "validate", str(small)])
        bench.command("plugin small", _pytest(str(small)))
    if "startup" in only:
        tiny = HERE.parent / "scenarios" / "daytime_tcp.yaml"
        bench.command("run tiny", ["-m", "sockscen", "run", "-q", str(tiny)])
        bench.command("imports", ["-c", "import trio, yaml, jsonschema"])
    if "trips" in only:
        for kind in ("tcp", "unix", "udp"):
            bench.workload(f"{kind} sockscen", kind, "sockscen", str(sizes["trips"]))
            bench.workload(f"{kind} raw", kind, "raw", str(sizes["trips"]))
    if "clients" in only:
        clients, rounds = sizes["clients"]  # type: ignore[misc]
        bench.workload("clients sockscen", "clients", "sockscen", str(clients), str(rounds))
        bench.workload("clients raw", "clients", "raw", str(clients), str(rounds))
    if "proc" in only:
        bench.own_cpu("run proc", "sockscen", "run", "-q", str(proc))
        pytest_args = ("-q", "-p", "no:cacheprovider", *no_plugin, str(proc_py))
        bench.own_cpu("pytest proc", "pytest", *pytest_args, tolerate=True)
    if "big" in only:
        bench.workload("big sockscen", "clients", "sockscen", str(sizes["big"]), "1")


def _stats(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f}× [{min(values):.2f}-{max(values):.2f}]"


def _ratio(bench: Bench, top: str, bottom: str | Callable[[int], float]) -> str:
    tops = bench.samples.get(top, [])
    if callable(bottom):
        bottoms = [bottom(i) for i in range(len(tops))]
    else:
        bottoms = bench.samples.get(bottom, [])
    return _stats([t / b for t, b in zip(tops, bottoms, strict=False) if b > 0])


def _med(bench: Bench, name: str, scale: float = 1.0, unit: str = "s", digits: int = 2) -> str:
    values = bench.samples.get(name, [])
    return f"{statistics.median(values) * scale:.{digits}f} {unit}" if values else "n/a"


def table(bench: Bench) -> list[str]:
    """The rows of the issue's table: measure, ours, baseline, ratio, goal."""
    s = bench.sizes
    n, p = s["small"], s["proc"]
    cores = os.cpu_count() or 1
    rows = [
        (
            f"CPU, {n} small checks: `sockscen run` ÷ hand-written pytest",
            _med(bench, "run small cpu"),
            _med(bench, "pytest small cpu")
            + f" (validate alone {_med(bench, 'validate small cpu')})",
            _ratio(bench, "run small cpu", "pytest small cpu"),
            "≤ 0.8×",
        ),
        (
            f"CPU, the same {n} through the pytest plugin ÷ `sockscen run`",
            _med(bench, "plugin small cpu"),
            _med(bench, "run small cpu"),
            _ratio(bench, "plugin small cpu", "run small cpu"),
            "≤ 1.2×",
        ),
        (
            "start-up wall: `sockscen run` one tiny scenario ÷ `import trio,yaml,jsonschema`",
            _med(bench, "run tiny wall", 1000, "ms", 0),
            _med(bench, "imports wall", 1000, "ms", 0),
            _ratio(bench, "run tiny wall", "imports wall"),
            "≤ 1.2×",
        ),
    ]
    for kind in ("tcp", "unix", "udp"):
        rows.append(
            (
                f"{s['trips']} round trips ÷ raw trio, {kind} (CPU)",
                _med(bench, f"{kind} sockscen cpu"),
                _med(bench, f"{kind} raw cpu"),
                _ratio(bench, f"{kind} sockscen cpu", f"{kind} raw cpu"),
                "≤ 1.3×",
            )
        )
    clients, rounds = s["clients"]  # type: ignore[misc]
    for key, label, unit in (
        ("seconds", "wall", "s"),
        ("cpu", "CPU", "s"),
        ("rss_mib", "peak RSS", "MiB"),
    ):
        rows.append(
            (
                f"{clients} clients × {rounds} round trips ÷ raw trio, {label}",
                _med(bench, f"clients sockscen {key}", unit=unit, digits=1),
                _med(bench, f"clients raw {key}", unit=unit, digits=1),
                _ratio(bench, f"clients sockscen {key}", f"clients raw {key}"),
                "≤ 1.3×",
            )
        )
    cpu = bench.samples.get("run proc cpu", [])
    rows.append(
        (
            f"{p} process-backed scenarios, default options: wall ÷ (CPU ÷ {cores} cores)",
            _med(bench, "run proc wall"),
            _med(bench, "run proc cpu", 1 / cores),
            _ratio(bench, "run proc wall", lambda i: cpu[i] / cores),
            "≤ 1.15×",
        )
    )
    rows.append(
        (
            "own CPU per process-backed scenario: sockscen ÷ hand-written pytest",
            _med(bench, "run proc own", 1000 / p, "ms", 1),
            _med(bench, "pytest proc own", 1000 / p, "ms", 1),
            _ratio(bench, "run proc own", "pytest proc own"),
            "≤ 1.0×",
        )
    )
    rows.append(
        (
            f"{s['big']} concurrent clients in one scenario (wall, peak RSS)",
            _med(bench, "big sockscen seconds"),
            _med(bench, "big sockscen rss_mib", unit="MiB", digits=0),
            "",
            "≤ 200 MiB, no stall",
        )
    )
    lines = [
        "| measure | sockscen | baseline | ratio median [min-max] | goal |",
        "| --- | --- | --- | --- | --- |",
    ]
    # Rows of groups left out by --only have no figures: not shown.
    lines += ["| " + " | ".join(row) + " |" for row in rows if not row[1].startswith("n/a")]
    return lines


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    python = platform.python_version()
    return f"{platform.node()}, {os.cpu_count()} CPUs {model}, Python {python}, load {load}"


def _tree(runner: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(runner), "log", "-1", "--format=%h %s"], capture_output=True, text=True
    )
    return done.stdout.strip() or str(runner)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a few minutes")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (>= 3)")
    parser.add_argument(
        "--runner",
        action="append",
        default=[],
        metavar="[LABEL=]PATH",
        help="a runner/ tree to measure (default: this checkout's); repeat to compare trees",
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        metavar="GROUP[,GROUP]",
        help=f"measure only these groups of rows ({', '.join(GROUPS)}; default: all)",
    )
    args = parser.parse_args(argv)
    only = {g.strip() for g in args.only.split(",") if g.strip()}
    if not only <= set(GROUPS):
        parser.error(f"--only: unknown group(s) {', '.join(sorted(only - set(GROUPS)))}")
    mode = "quick" if args.quick else "full"
    trees = [r.partition("=") if "=" in r else ("", "", r) for r in args.runner]
    runners = [(label, Path(path).resolve()) for label, _, path in trees] or [
        ("", HERE.parent / "runner")
    ]
    machine = _machine()
    with tempfile.TemporaryDirectory(prefix="sockscen-bench-") as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\n")
        benches = [(label, runner, Bench(runner, root, SIZES[mode])) for label, runner in runners]
        sizes = benches[0][2].sizes
        small, small_py = small_checks(root, sizes["small"])  # type: ignore[arg-type]
        proc, proc_py = process_checks(root, sizes["proc"])  # type: ignore[arg-type]
        for _, _, bench in benches:
            warm_up(bench, small, small_py, proc_py)
        for i in range(args.repeat):
            started = time.perf_counter()
            for label, _, bench in benches:
                repetition(bench, small, small_py, proc, proc_py, only)
                if bench.broken:
                    problems = "; ".join(sorted(set(bench.broken)))
                    raise SystemExit(f"run_all: stopped: {label or 'the tree'}: {problems}")
            print(
                f"repetition {i + 1}/{args.repeat}: {time.perf_counter() - started:.0f}s",
                flush=True,
            )
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = [f"## {stamp} — `bench/run_all.py` {mode}, {args.repeat} repetitions", ""]
    body += [f"Machine: {machine}.", ""]
    for label, runner, bench in benches:
        if len(benches) > 1 or label:
            body += [f"### {label}: {_tree(runner)}", ""]
        body += table(bench)
        if bench.notes:
            counts = Counter(bench.notes)
            body += [
                "",
                "Failed: " + "; ".join(f"{n} ({k} of {args.repeat})" for n, k in counts.items()),
            ]
        body.append("")
    text = "\n".join(body)
    print(text)
    if not args.no_record:
        with open(HERE / "RESULTS.md", "a") as results:
            results.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
