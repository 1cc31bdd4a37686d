"""Hostile scenario files: each is one located problem, in bounded time and memory.

Found by feeding ``sockscen validate`` and ``sockscen run`` files built to
exhaust the machine (aliases of long strings, repeated hex, placeholder
bombs, regexes that explode when compiled).  Each test checks the sentence
users see; the heavy ones also check the peak memory of a fresh process.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from sockscen.errors import ConfigError
from sockscen.loader import load_text

#: Peak memory a fresh ``python -m sockscen validate`` may reach on a hostile file
#: (an idle one is ~40 MB; the bugs these tests pin down reached 4 to 12 GB).
PEAK_BYTES = 400 * 1024 * 1024

STREAM_HEAD = (
    "servers:\n  s:\n    listen: tcp://127.0.0.1:0\n    handle:\n"
    "      - expect: {any: true}\nclients:\n  c:\n    connect: ${s.url}\n    steps:\n"
)


def problems_of(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "x.yaml", str(tmp_path))
    return [str(p) for p in info.value.problems]


def validate_bounded(path: Path) -> subprocess.CompletedProcess[str]:
    """``sockscen validate PATH`` in a process whose address space is capped."""

    def cap() -> None:  # pragma: no cover - runs in the child
        limit = 2 * PEAK_BYTES + 512 * 1024 * 1024  # room for the interpreter's mappings
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "sockscen", "validate", "--no-cache", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
    )


def test_aliases_of_a_long_string_are_refused_at_the_string(tmp_path: Path) -> None:
    """3,000 aliases of a 1 MB string in one send took 6 GB and never ended."""
    big = "x" * 1_000_000
    text = f"name: x\nvars:\n  big: &b {big}\n" + STREAM_HEAD
    text += "      - send: [" + ", ".join(["*b"] * 3000) + "]\n"
    path = tmp_path / "aliases.yaml"
    path.write_text(text)
    done = validate_bounded(path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        "aliases.yaml:3:8: error: this file expands to more than 64 MiB of text: this value "
        "comes back through YAML aliases too many times (repeat long text with fewer aliases, "
        "or load large payloads with file:)"
    )
    assert "Traceback" not in done.stdout + done.stderr


def test_text_repeated_by_aliases_within_the_bound_still_loads(tmp_path: Path) -> None:
    text = "name: x\nvars:\n  big: &b " + "x" * 100_000 + "\n" + STREAM_HEAD
    text += "      - send: [" + ", ".join(["*b"] * 100) + "]\n"
    (scenario,) = load_text(text, "x.yaml", str(tmp_path))
    assert scenario.name == "x"
