"""Malformed inputs found by fuzzing: each is a located problem, never a crash or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sockscen import yamlsource
from sockscen.errors import ConfigError, Location, Problem
from sockscen.loader import load_paths, load_text
from sockscen.reporting._files import write_atomic

REPO = Path(__file__).resolve().parents[2]


CLIENT_HEAD = "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"


def problems_of(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, "x.yaml", str(tmp_path))
    return [str(p) for p in info.value.problems]


def test_very_deep_nesting_is_refused_before_the_parser_can_overflow_the_stack(
    tmp_path: Path,
) -> None:
    """30,000 nested brackets used to segfault the C composer (exit 139)."""
    text = "name: x\nvars:\n  a: " + "[" * 30000 + "]" * 30000 + "\n"
    # Placed where the parser stopped: libyaml scans ~1,000 levels ahead before it stops.
    column = 1004 if yamlsource.LOADER is getattr(yaml, "CSafeLoader", None) else 206
    assert problems_of(text, tmp_path) == [
        f"x.yaml:3:{column}: error: the YAML is nested too deeply (more than 200 levels)"
    ]


def test_a_tagged_value_pyyaml_cannot_construct_is_a_problem(tmp_path: Path) -> None:
    """`!!bool maybe` raised a KeyError inside PyYAML (an internal error)."""
    text = CLIENT_HEAD + "      - send: !!bool maybe\n"
    assert problems_of(text, tmp_path) == [
        "x.yaml:6:15: error: invalid YAML value 'maybe' for tag tag:yaml.org,2002:bool"
    ]


CLIENT = CLIENT_HEAD + "      - send: {file: %s}\n"


def test_a_fifo_as_file_payload_is_refused_not_read(tmp_path: Path) -> None:
    """Reading a FIFO blocked `validate` forever."""
    os.mkfifo(tmp_path / "pipe.bin")
    assert problems_of(CLIENT % "pipe.bin", tmp_path) == [
        f"x.yaml:6:22: error: file 'pipe.bin' is not a regular file ({tmp_path / 'pipe.bin'})"
    ]


def test_a_device_as_file_payload_is_refused_not_read(tmp_path: Path) -> None:
    """/dev/zero never ends: reading it ran out of memory."""
    assert problems_of(CLIENT % "/dev/zero", tmp_path) == [
        "x.yaml:6:22: error: file '/dev/zero' is not a regular file (/dev/zero)"
    ]


def test_fifos_named_like_scenarios_are_skipped_in_directories_and_refused_by_name(
    tmp_path: Path,
) -> None:
    """A FIFO called x.yaml made `validate DIR` hang."""
    os.mkfifo(tmp_path / "x.yaml")
    (tmp_path / "ok.yaml").write_text(
        "name: ok\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps: [{send: x}]\n"
    )
    assert [s.name for s in load_paths([tmp_path])] == ["ok"]
    with pytest.raises(ConfigError) as info:
        load_paths([tmp_path / "x.yaml"])
    assert info.value.problems[0].message.endswith("x.yaml: not a regular file")


def test_nul_characters_in_a_command_are_problems(tmp_path: Path) -> None:
    """The OS takes C strings: a NUL used to fail at run time as an internal error."""
    text = 'name: x\nclients:\n  p:\n    command: ["", "a\\0b"]\n    env: {A: "x\\0y"}\n'
    assert problems_of(text, tmp_path) == [
        "x.yaml:4:15: error: the program name is empty",
        "x.yaml:4:19: error: a command argument, environment value or cwd cannot hold a NUL",
        "x.yaml:5:14: error: a command argument, environment value or cwd cannot hold a NUL",
    ]


def test_connecting_to_port_zero_is_a_problem(tmp_path: Path) -> None:
    """Port 0 is only meaningful in listen:; a client connecting there can only be refused."""
    text = "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:0\n    steps: [{send: x}]\n"
    assert problems_of(text, tmp_path) == [
        "x.yaml:4:14: error: port 0 only means 'pick a free port' in listen:; connect needs a "
        "real port (write ${server.url} to connect to a server of this scenario)"
    ]


def test_counts_too_large_for_the_machine_are_refused(tmp_path: Path) -> None:
    """A count the runner could never start overflowed a C integer at run time."""
    text = (
        "name: x\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n"
        "    count: 99999999999999999999\n    steps: [{send: x}]\n"
    )
    assert problems_of(text, tmp_path) == [
        "x.yaml:5:12: error: expected a number of at most 100000, "
        "got the number 99999999999999999999"
    ]


def test_the_same_problem_found_twice_is_reported_once() -> None:
    """Two checks that find one mistake give one line."""
    problem = Problem(Location("x.yaml", 3, 4), "bad")
    assert ConfigError([problem, Problem(Location("x.yaml", 3, 4), "bad")]).problems == [problem]


def test_a_missing_path_does_not_hide_the_problems_of_the_other_files(tmp_path: Path) -> None:
    """`validate bad.yaml nope.yaml` used to report only the missing path."""
    (tmp_path / "bad.yaml").write_text("name: a\nclients:\n  c:\n    conect: x\n")
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "validate", "bad.yaml", "nope.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO / "runner")},
    )
    assert done.returncode == 2
    assert "error: nope.yaml: no such file or directory" in done.stderr
    assert "bad.yaml:4:5: error: unknown key 'conect'" in done.stderr


def test_a_report_path_that_is_a_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    """Issue 12 item 4: the link's target is someone's file; the report replaces the link."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "r.xml").write_bytes(b"precious")
    (tmp_path / "link.xml").symlink_to(tmp_path / "real" / "r.xml")
    write_atomic(tmp_path / "link.xml", b"<testsuites/>")
    assert not (tmp_path / "link.xml").is_symlink()
    assert (tmp_path / "link.xml").read_bytes() == b"<testsuites/>"
    assert (tmp_path / "real" / "r.xml").read_bytes() == b"precious"


def test_a_zero_timeout_is_refused_but_a_zero_stop_grace_is_fine(tmp_path: Path) -> None:
    """timeout: 0 could only fail at once; stop: {timeout: 0} means SIGKILL right away."""
    text = (
        "name: x\ntimeout: 0\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n"
        "    steps:\n      - expect: x\n        timeout: 0s\n"
    )
    assert problems_of(text, tmp_path) == [
        "x.yaml:2:10: error: a timeout of 0 can only fail at once; give it more than 0",
        "x.yaml:8:18: error: a timeout of 0 can only fail at once; give it more than 0",
    ]
    text = (
        "name: x\nservers:\n  app:\n    command: [sleep, '9']\n    ready: {delay: 1s}\n"
        "    stop: {timeout: 0}\nclients:\n  c:\n    command: ['true']\n"
    )
    assert [s.name for s in load_text(text, "x.yaml", str(tmp_path))] == ["x"]


def test_placeholders_in_fixed_byte_forms_are_named_as_the_problem(tmp_path: Path) -> None:
    """file:/hex:/base64: are read at load time: a ${...} there is refused with a way out."""
    text = CLIENT_HEAD + '      - send: {file: "${tmp}/x"}\n'
    assert problems_of(text, tmp_path) == [
        "x.yaml:6:22: error: placeholders are not expanded in file: (its bytes are fixed when "
        "the scenario is loaded) (use text: for bytes that depend on a placeholder)"
    ]


def test_an_unknown_option_of_a_command_gets_that_commands_usage(tmp_path: Path) -> None:
    """`sockscen run --bogus` points at `sockscen run --help`, not at the top level."""
    done = subprocess.run(
        [sys.executable, "-m", "sockscen", "run", "--bogus", "x.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO / "runner")},
    )
    assert done.returncode == 2
    assert done.stderr.endswith(
        "sockscen run: error: unrecognized arguments: --bogus\nTry 'sockscen run --help'.\n"
    )


def test_until_on_a_datagram_actor_is_refused(tmp_path: Path) -> None:
    """Every expect on a datagram socket takes one whole datagram: 'until' cannot apply."""
    text = (
        "name: x\nclients:\n  c:\n    connect: udp://127.0.0.1:9\n"
        "    steps:\n      - expect: {text: ab, until: ';'}\n"
    )
    assert problems_of(text, tmp_path) == [
        "x.yaml:6:28: error: 'until' has no meaning here: client c uses datagrams, and every "
        "expect reads one whole datagram (remove until:)"
    ]


def test_a_repeat_without_steps_is_refused(tmp_path: Path) -> None:
    """An empty repeat could only spin (with a count) or never end (without)."""
    text = CLIENT_HEAD + "      - repeat: {count: 5, steps: []}\n"
    assert problems_of(text, tmp_path) == [
        "x.yaml:6:35: error: expected a list of at least 1 item, got 0"
    ]


def test_cyclic_vars_are_refused_naming_the_cycle(tmp_path: Path) -> None:
    """vars that refer to each other in a circle can never be expanded."""
    text = (
        'name: x\nvars:\n  a: "${b}"\n  b: "x${c}"\n  c: "${a}"\n  d: "${d}"\n  e: "${a}${a}"\n'
        "clients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps: [{send: x}]\n"
    )
    assert problems_of(text, tmp_path) == [
        "x.yaml:3:6: error: vars refer to each other in a cycle: a -> b -> c -> a",
        "x.yaml:6:6: error: vars refer to each other in a cycle: d -> d",
    ]
