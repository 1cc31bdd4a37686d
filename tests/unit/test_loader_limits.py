"""Nesting and size limits of the loader (issue 12 items 6 and 7).

Every check after the parse recurses once or more per level, so the limits
must be counted on the real structure and keep each check far from Python's
stack limit, wherever the loader is called from (a pytest collection is deep).
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sockscen import yamlsource
from sockscen.errors import ConfigError
from sockscen.loader import load_paths, load_text

#: Frames the loader may use beyond its caller's: what 200 levels or 20 repeats need
#: (~410 and ~315, measured) with room to spare, and well under the default limit of 1000.
STACK_BUDGET = 550

CLIENT = "name: deep\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n    steps:\n"


@contextmanager
def stack_budget(frames: int = STACK_BUDGET) -> Iterator[None]:
    """Run the body with only *frames* Python frames left above the current depth."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def problems_of(text: str) -> list[str]:
    with stack_budget(), pytest.raises(ConfigError) as info:
        load_text(text, "x.yaml", ".")
    return [str(p) for p in info.value.problems]


def repeats(n: int) -> str:
    lines = [CLIENT.rstrip("\n")]
    indent = "      "
    for _ in range(n):
        lines += [f"{indent}- repeat:", f"{indent}    count: 1", f"{indent}    steps:"]
        indent += "      "
    lines.append(f"{indent}- send: x")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [201, 250, 329, 5000])
def test_compact_block_lists_are_counted_and_refused(levels: int) -> None:
    """``- - -`` nests without brackets or indentation: 329 levels in 766 bytes used to crash."""
    text = "- " * levels + "x\n"
    assert problems_of(text) == [
        "x.yaml:1:401: error: the YAML is nested too deeply (more than 200 levels)"
    ]


def test_two_hundred_levels_are_allowed_and_checked_within_the_stack_budget() -> None:
    text = CLIENT + "      - send: " + "[" * 194 + "1" + "]" * 194 + "\n"
    # 200 levels (5 of scenario, 195 of brackets) are parsed and checked: the schema speaks.
    assert problems_of(text) == [
        "x.yaml:6:16: error: expected a string or a mapping with one of the keys "
        "'text', 'hex', 'base64', 'file' or 'json', got a list"
    ]


def test_block_mappings_count_like_lists() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(210)) + " " * 210 + "x\n"
    (problem,) = problems_of(text)
    assert problem.startswith("x.yaml:201:201: error: the YAML is nested too deeply")


def test_brackets_inside_quoted_text_are_not_nesting() -> None:
    """201 ``[`` in a quoted string were refused as "nested too deeply"."""
    text = 'name: "' + "[" * 500 + '"\nclients:\n  c:\n    connect: tcp://127.0.0.1:1\n'
    text += "    steps:\n      - send: '" + "{" * 500 + "'\n"
    with stack_budget():
        (scenario,) = load_text(text, "x.yaml", ".")
    assert scenario.name == "[" * 500


def test_nesting_brought_in_by_aliases_is_counted() -> None:
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 300)]
    problems = problems_of("\n".join(lines) + "\n")
    assert any(
        "nested too deeply (more than 200 levels, counting what YAML aliases and merges "
        "bring in)" in p
        for p in problems
    )


def test_nesting_brought_in_by_merge_keys_is_counted() -> None:
    lines = ["a0: &a0 {x: 1}"] + [f"a{i}: &a{i} {{<<: *a{i - 1}}}" for i in range(1, 400)]
    problems = problems_of("\n".join(lines) + "\n")
    assert any(
        "nested too deeply (more than 200 levels, counting what YAML aliases and merges "
        "bring in)" in p
        for p in problems
    )


def test_nested_repeats_are_refused_with_a_located_message() -> None:
    """70 nested repeats (under 200 YAML levels at 60) raised RecursionError: exit 3."""
    for n in (21, 60):
        assert problems_of(repeats(n)) == [
            "x.yaml:66:129: error: repeat steps are nested more than 20 deep "
            "(flatten the loops; a repeat inside a repeat is rarely needed)"
        ]


def test_twenty_nested_repeats_load_within_the_stack_budget() -> None:
    with stack_budget():
        (scenario,) = load_text(repeats(20), "x.yaml", ".")
    assert scenario.name == "deep"


def test_a_too_deep_file_does_not_hide_the_other_files_problems(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("- " * 329 + "x\n")
    (tmp_path / "b.yaml").write_text(repeats(70))
    (tmp_path / "c.yaml").write_text(CLIENT + "      - sned: x\n")
    with stack_budget(), pytest.raises(ConfigError) as info:
        load_paths([tmp_path])
    shown = [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]
    files = sorted({s.split(":")[0].rsplit("/", 1)[-1] for s in shown})
    assert files == ["a.yaml", "b.yaml", "c.yaml"]


def _bomb_document(n: int) -> str:
    """A document whose aliases expand to 10**5 values (under the old per-document cap)."""
    lines = [f"name: d{n}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 5):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_the_alias_expansion_cap_is_per_file() -> None:
    """40 small documents each under the cap made 1.94 GiB and 17.7 s from a 15 KB file."""
    text = "---\n".join(_bomb_document(n) for n in range(4))
    assert len(text) < 1_500
    started = time.process_time()
    documents, problems = yamlsource.parse(text, "x.yaml")
    assert time.process_time() - started < 5
    # Each document builds 111,117 values: the second one goes over.
    assert [str(p) for p in problems] == [
        "x.yaml:8:1: error: this file expands to more than 200000 values (YAML aliases?) "
        "(a scenario file needs far fewer; the limit is for the whole file)"
    ]
    assert [d.value["name"] for d in documents] == ["d0"]


def test_a_lone_surrogate_in_text_is_a_located_problem() -> None:
    """Found by tests/fuzz: libyaml raised UnicodeEncodeError (an internal error)."""
    assert problems_of("name: x\nclients: \ud800\n") == [
        "x.yaml:2:10: error: the text holds a lone surrogate (\\ud800), "
        "which is not a Unicode character"
    ]
