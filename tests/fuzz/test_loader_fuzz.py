"""Fuzzing the loader that ``sockscen validate`` and the pytest plugin use (issue 12).

Inputs are the example files of ``scenarios/`` with random edits (hostile
characters, cut and repeated slices, deep nesting, alias fans, huge values)
and documents built from the schema's own key names and values.  For each,
``load_text`` must return scenarios or raise ``ConfigError`` whose problems
are all placed at a line, within a time and a memory budget.

The default run takes a few seconds.  ``SOCKSCEN_FUZZ=long`` runs many more
examples (minutes), e.g. ``SOCKSCEN_FUZZ=long .venv/bin/python -m pytest tests/fuzz``.
"""

from __future__ import annotations

import functools
import os
import resource
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sockscen import schema
from sockscen.errors import ConfigError, Problem
from sockscen.loader import load_text

REPO = Path(__file__).resolve().parents[2]
SEEDS = sorted((REPO / "scenarios").rglob("*.yaml"))

LONG = os.environ.get("SOCKSCEN_FUZZ", "").lower() == "long"
#: Examples per test: a few seconds in CI, far more on request.
EXAMPLES = 2000 if LONG else 40
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # measured below, with a budget that tolerates a busy CI machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not LONG,
)

#: Bounds on one load of one (small) fuzzed file.
SECONDS = 5.0
PEAK_BYTES = 256 * 1024 * 1024

HOSTILE = [
    "- ",
    "[",
    "{",
    "]",
    "}",
    ": ",
    "&a ",
    "*a",
    "!!binary ",
    "!!python/object ",
    "<<: *a\n",
    "? ",
    "|\n",
    ">-\n",
    "'",
    '"',
    "#",
    "\t",
    "\x00",
    "\x1b[2J",
    "\ufeff",
    "\ud800",
    "${",
    "${secret.X}",
    "${env.HOME}",
    "repeat:",
    "---\n",
    "...\n",
    "\n",
    "    ",
    "0x",
    "1e999",
    "-1s",
    "tcp://",
    "unix:@",
    # Forms whose size multiplies (each bounded alone, not together): hex repeats,
    # counted regex repeats, nested groups, vars of vars, control characters in names.
    "00*268435456 ",
    "{1000}",
    "(?:" * 120,
    "(n:0)",
    "${a}${a}${a}${a}${a}${a}${a}${a}",
    "\u202e",
]


@functools.cache
def seed_texts() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8") for p in SEEDS)


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(seed_texts()))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        end = draw(st.integers(at, min(len(text), at + 80)))
        kind = draw(st.sampled_from(["insert", "delete", "repeat", "deep", "long", "text"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(HOSTILE)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[end:]
        elif kind == "repeat":
            text = text[:end] + text[at:end] * draw(st.integers(2, 50)) + text[end:]
        elif kind == "deep":
            piece = draw(st.sampled_from(["- ", "[", "{a: ", "  "]))
            text = text[:at] + piece * draw(st.integers(150, 400)) + text[at:]
        elif kind == "long":
            filler = draw(st.sampled_from(["x", " ", "'", "\\", "9"]))
            text = text[:at] + filler * 100_000 + text[at:]
        else:
            text = text[:at] + draw(st.text(max_size=20)) + text[end:]
    return text


@functools.cache
def schema_words() -> tuple[list[str], list[Any]]:
    """Every key name and every enum/const/example value the schema mentions."""
    keys: list[str] = []
    values: list[Any] = []
    stack: list[Any] = [schema.schema()]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key in (
                node.get("properties", {}) if isinstance(node.get("properties"), dict) else ()
            ):
                if key not in keys:
                    keys.append(key)
            values.extend(node.get("enum", []))
            values.extend(node.get("examples", []))
            if "const" in node:
                values.append(node["const"])
            stack.extend(node.values())
    return sorted(keys), values


def schema_documents() -> st.SearchStrategy[str]:
    keys, values = schema_words()
    scalars = st.one_of(
        st.sampled_from(values),
        st.sampled_from(
            ["250ms", "2s", "tcp://127.0.0.1:0", "udp://127.0.0.1:0", "x", "${a.port}"]
        ),
        st.integers(-5, 10**10),
        st.booleans(),
        st.none(),
        st.text(max_size=12),
    )
    names = st.sampled_from(keys) | st.text(min_size=1, max_size=6)
    tree = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=5),
        max_leaves=40,
    )
    top = st.fixed_dictionaries(
        {"name": st.text(min_size=1, max_size=8)},
        optional={
            "servers": st.dictionaries(st.sampled_from(["app", "s"]), tree, max_size=2),
            "clients": st.dictionaries(st.sampled_from(["c", "d"]), tree, max_size=2),
            "timeout": scalars,
            "vars": tree,
        },
    )
    return top.map(lambda doc: yaml.safe_dump(doc, allow_unicode=True))


def check_load(text: str, directory: Path) -> None:
    """One load: scenarios, or a ConfigError whose every problem is located; bounded."""
    # The process's high-water mark: it can only grow by what this load added
    # above the earlier peak (tracemalloc would slow the load down fivefold).
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.process_time()  # CPU time: a busy machine must not fail the test
    problems: list[Problem] = []
    try:
        load_text(text, "fuzz.yaml", str(directory), environ={})
    except ConfigError as exc:
        problems = exc.problems
        assert problems, "a ConfigError without problems"
    unlocated = [str(p) for p in problems if p.location is None]
    assert unlocated == []
    assert {p.location.path for p in problems if p.location} <= {"fuzz.yaml"}
    elapsed = time.process_time() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    assert elapsed < SECONDS, f"loading took {elapsed:.1f}s"
    assert grown < PEAK_BYTES, f"loading grew the peak memory by {grown / 2**20:.0f} MiB"


def test_the_seeds_are_the_example_files() -> None:
    assert len(SEEDS) >= 10
    for path in SEEDS:
        load_text(path.read_text(encoding="utf-8"), "fuzz.yaml", str(path.parent), environ={})


@FUZZ
@given(text=mutated_seed())
def test_mutated_examples_load_or_give_located_problems(text: str) -> None:
    check_load(text, SEEDS[0].parent)


@FUZZ
@given(text=schema_documents())
def test_schema_shaped_documents_load_or_give_located_problems(text: str) -> None:
    check_load(text, SEEDS[0].parent)


@pytest.mark.parametrize(
    "text",
    [
        "- " * 329 + "x\n",
        "name: x\nvars:\n  a: " + "[" * 5000 + "\n",
        "---\n".join(
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"b{i}: &b{i} [{', '.join(['*a' if i == 0 else f'*b{i - 1}'] * 10)}]\n"
                for i in range(4)
            )
            for _ in range(10)
        ),
        'name: x\ntimeout: "1' + " " * 80_000 + 'x"\nclients: {}\n',
        "name: x\nvars:\n  a: &a "
        + "x" * 1_000_000
        + "\n  b: ["
        + ", ".join(["*a"] * 3000)
        + "]\n",
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"
        + "".join('      - send: {hex: "00*268435456"}\n' for _ in range(40)),
        "name: x\nvars:\n  a0: xxxxxxxxxx\n"
        + "".join(f'  a{i}: "' + ("${a" + str(i - 1) + "}") * 10 + '"\n' for i in range(1, 12))
        + 'clients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps: [{send: "${a11}"}]\n',
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"
        '      - expect: {regex: "((a{1000}){1000}){1000}"}\n',
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"
        '      - expect: {regex: "' + "(?:" * 500 + "a" + ")" * 500 + '"}\n',
    ],
    ids=[
        "compact-lists",
        "open-brackets",
        "alias-fans",
        "spaced-duration",
        "aliases-of-a-long-string",
        "hex-repeats",
        "vars-of-vars",
        "regex-repeats",
        "deep-regex",
    ],
)
def test_known_hostile_files_stay_bounded(text: str) -> None:
    """The reported cases, so the fuzzer's bounds are checked on them every run."""
    check_load(text, SEEDS[0].parent)
